"""Pattern rules, one module per pattern; each rule function takes the interpretation state.

nmj (presynaptic, postsynaptic), mnd, polyneuropathy (with demyelination parameters), myopathy, cts,
ulnar (elbow, wrist), peroneal, radial, focal (radiculopathy, plexopathy, mononeuropathy by
localization). The order they run in is :data:`edxkit.interpret.engine.RULES`.
"""
