import fc from 'fast-check';

// A fixed fast-check seed keeps test names and results stable across runs;
// FC_SEED overrides it to explore, CRASHSIM_SEED is the simulator's own knob.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 424242) });
