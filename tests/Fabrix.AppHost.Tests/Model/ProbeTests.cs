using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Model;

public sealed class ProbeTests
{
    [Fact]
    public async Task Probe_Model_Prints()
    {
        using var model = new PlatformModel(portOffset: 7);
        foreach (var r in model.Builder.Resources)
        {
            File.AppendAllText("/var/tmp/apphost-probe.txt", "\n" + $"RES {r.Name} {r.GetType().FullName} waits=[{string.Join(",", r.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name + ":" + w.WaitType))}] rel=[{string.Join(",", r.Annotations.OfType<ResourceRelationshipAnnotation>().Select(a => a.Resource.Name + ":" + a.Type))}]");
            if (r is IResourceWithEnvironment)
            {
                foreach (var (k, v) in await model.EnvironmentAsync(r.Name))
                {
                    File.AppendAllText("/var/tmp/apphost-probe.txt", "\n" + $"  ENV {k}={v}");
                }
            }
        }
    }
}
