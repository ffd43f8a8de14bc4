using System.Runtime.CompilerServices;

// benchmarks/Fabrix.Benchmarks drives the real HealthMonitor against 500 plugins (issue 3 §1 "show it in a
// benchmark"); the monitor stays internal to the registry.
[assembly: InternalsVisibleTo("Fabrix.Benchmarks")]
