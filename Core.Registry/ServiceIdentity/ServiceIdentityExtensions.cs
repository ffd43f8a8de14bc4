using Fabrix.Core.Registry.ServiceIdentity;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Core service identity: the trusted service keys and the check of service tokens.</summary>
internal static class ServiceIdentityExtensions
{
    public static WebApplicationBuilder AddRegistryServiceIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServiceIdentityOptions>().BindConfiguration(ServiceIdentityOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServiceIdentityOptions>, ServiceIdentityOptionsValidator>();
        builder.Services.AddSingleton<ServiceIdentityAuthenticator>();
        return builder;
    }
}
