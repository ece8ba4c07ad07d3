"""Benchmarks of stepgrad against micrograd 0.1.0, run with `python -m bench [--quick]`.

Both libraries run in one process. For each workload, stepgrad runs all its repetitions, then
micrograd runs all of its own (grouped, not interleaved): micrograd's nodes hold closures that
refer back to the node, so its graphs are reference cycles that only the garbage collector
frees, and grouping keeps that collection on micrograd's clock instead of stepgrad's. A full
`gc.collect()`, untimed, precedes each group. Each repetition builds the graph and calls
backward; the mean over the repetitions is reported, with GC on as users run it (see
`bench.timing`). Both libraries' leaf gradients are compared on every workload they share.
"""
