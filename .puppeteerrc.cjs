/**
 * Puppeteer configuration: never download a browser (these machines cannot reach
 * Google's servers); use Debian's Chromium, installed by scripts/setup.sh.
 * @type {import('puppeteer').Configuration}
 */
module.exports = {
  skipDownload: true,
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium',
};
