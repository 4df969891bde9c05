"""ops/bench and ops/chaos as one package (Python 3 standard library only).

`harness` holds what both share (the simulator, workers, publisher, the convergence check through
`hipcall-sync publish verify`, broker object names read from `hipcall-sync topology show --json`);
`bench` and `chaos` are the entries the shell scripts run, as `cd ops && python3 -m hipcall_ops.bench`.
"""
