namespace Fabrix.Core.Lanes;

/// <summary>Marker of the lanes' shared library (used to locate it in tests and benchmarks).</summary>
public static class LanesAssembly
{
    public const string Name = "Fabrix.Core.Lanes";
}
