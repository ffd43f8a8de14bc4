using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>The real console app in-process, in a chosen environment with chosen settings (no redirects followed).</summary>
internal static partial class ConsoleAppFactory
{
    public static WebApplicationFactory<AdminConsoleApp> Create(
        string environment, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? testServices = null) =>
        new WebApplicationFactory<AdminConsoleApp>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment(environment);
            foreach (var (key, value) in settings)
            {
                host.UseSetting(key, value);
            }

            if (testServices is not null)
            {
                host.ConfigureTestServices(testServices);
            }
        });

    public static HttpClient Client(this WebApplicationFactory<AdminConsoleApp> factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The antiforgery field of a rendered form.</summary>
    public static string AntiforgeryToken(string html) =>
        AntiforgeryField().Match(html) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No antiforgery field.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
