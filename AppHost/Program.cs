using Fabrix.AppHost;
using Fabrix.AppHost.Hosting;

// The resources are declared in Platform.cs (one line each), where the tests can inspect the same model.
return await FabrixAppHost.CreateBuilder(args).AddFabrixPlatform().Build().RunAsync();
