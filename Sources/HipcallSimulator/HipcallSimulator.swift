/// Hipcall simulator.
enum HipcallSimulatorNamespace {}
