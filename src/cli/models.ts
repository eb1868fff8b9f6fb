/**
 * `cortexgpu models [NAME]`: the neuron-model catalogue. Without a name, every model (name,
 * kind, one line, state variables, inputs); with one, each parameter's unit, default, allowed
 * range and meaning, the state variables and the inputs. `--json` prints the same as JSON
 * (an array of every model, or one model). Generated from `src/model/models.ts` through
 * `src/model/catalogue.ts`, which also renders `docs/models.md`.
 */
import { Argument, CommanderError, type Command } from 'commander';
import { UnknownModelError, catalogueModel, modelCatalogue, renderModelListText, renderModelText } from '../model/catalogue.js';
import { NEURON_MODELS } from '../model/models.js';
import type { CliIo } from './main.js';

/** Exit code of an unknown model name (as the CLI's other usage errors). */
const EXIT_UNKNOWN_MODEL = 2;

/** Add the `models` command to the CLI program. */
export function registerModelsCommand(program: Command, io: CliIo): void {
  program
    .command('models')
    .description('list the neuron models, or show one model\'s parameters (unit, default, range, meaning), state variables and inputs')
    .addArgument(new Argument('[name]', `model (${Object.keys(NEURON_MODELS).join(', ')})`))
    .option('--json', 'print JSON instead of text: an array of every model, or the one model')
    .action((name: string | undefined, options: { json?: boolean }) => {
      if (name === undefined) {
        const models = modelCatalogue();
        io.stdout.write(options.json === true ? `${JSON.stringify(models, null, 2)}\n` : renderModelListText(models));
        return;
      }
      let model;
      try {
        model = catalogueModel(name);
      } catch (error) {
        if (!(error instanceof UnknownModelError)) throw error;
        // Reported here, then ended as a Commander error so that main() only sets the exit code.
        io.stderr.write(`cortexgpu: ${error.message}\n`);
        throw new CommanderError(EXIT_UNKNOWN_MODEL, 'cortexgpu.unknownModel', error.message);
      }
      io.stdout.write(options.json === true ? `${JSON.stringify(model, null, 2)}\n` : renderModelText(model));
    });
}
