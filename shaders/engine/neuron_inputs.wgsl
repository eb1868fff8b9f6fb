// External inputs of a population, evaluated inside its update kernel so that they cost no
// extra pass: Poisson spike trains (drawn from the counter-based RNG), DC currents and a
// tuned stimulus drive, and currents given per neuron and trial. The table is built on the
// host (packInputTable in src/gpu/populations.ts): INPUT_WORDS u32 per input, then per-trial
// stimulus orientations and per-neuron-and-trial currents as f32 bits; offsets inside a
// population's table are relative to its start, pop.table_base in the group's `tables`.

const INPUT_WORDS: u32 = 12u;
const INPUT_POISSON: u32 = 1u;
const INPUT_DC: u32 = 2u;
const INPUT_STIMULUS: u32 = 3u;
const INPUT_TRIAL_CURRENT: u32 = 4u;
const DEG_TO_RAD: f32 = 0.017453292519943295;

struct ExternalInput {
  // Current into the soma (pA for LIF models, input units for rate units, Hz for sources).
  current: f32,
  // Current into the apical compartment (two-compartment models).
  apical_current: f32,
  // Weight arriving this step on input channels 0…3 (model weight units).
  syn: vec4<f32>,
}

// Word i of this population's input table.
fn input_word(i: u32) -> u32 {
  return tables[pop.table_base + i];
}

fn preferred_orientation_deg(n: u32) -> f32 {
  if (pop.orientation_random != 0u) {
    return rng_unit(rng_draw(pop.seed, pop.orientation_stream, n, 0u, 0u, 0u).x) * 180.0;
  }
  return f32(n) * 180.0 / f32(pop.size);
}

// DC and stimulus inputs carry their compartment in the channel word: 0 soma, 1 apical.
fn add_current(ext: ptr<function, ExternalInput>, compartment: u32, value: f32) {
  if (compartment == 0u) { (*ext).current += value; } else { (*ext).apical_current += value; }
}

fn external_input(n: u32, b: u32, step: u32) -> ExternalInput {
  var ext = ExternalInput(0.0, 0.0, vec4<f32>(0.0));
  for (var k = 0u; k < pop.n_inputs; k++) {
    let base = k * INPUT_WORDS;
    let kind = input_word(base);
    let start_step = input_word(base + 2u);
    let stop_step = input_word(base + 3u);
    if (step < start_step || step >= stop_step) { continue; }
    if (kind == INPUT_POISSON) {
      let lambda = bitcast<f32>(input_word(base + 4u));
      let weight = bitcast<f32>(input_word(base + 5u));
      let count = rng_poisson(lambda, pop.seed, input_word(base + 9u), n, step, rng_trial(b), 0u);
      let w = f32(count) * weight;
      ext.syn[input_word(base + 1u)] += w;
    } else if (kind == INPUT_DC) {
      add_current(&ext, input_word(base + 1u), bitcast<f32>(input_word(base + 6u)));
    } else if (kind == INPUT_STIMULUS) {
      let amplitude = bitcast<f32>(input_word(base + 6u));
      let kappa = bitcast<f32>(input_word(base + 7u));
      let baseline = bitcast<f32>(input_word(base + 8u));
      let theta_stim = bitcast<f32>(input_word(input_word(base + 10u) + b));
      let delta = 2.0 * (theta_stim - preferred_orientation_deg(n)) * DEG_TO_RAD;
      add_current(&ext, input_word(base + 1u), baseline + amplitude * exp(kappa * (cos(delta) - 1.0)));
    } else if (kind == INPUT_TRIAL_CURRENT) {
      add_current(&ext, input_word(base + 1u), bitcast<f32>(input_word(input_word(base + 11u) + n * pop.batch + b)));
    }
  }
  return ext;
}
