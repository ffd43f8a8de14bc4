using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>
/// Test classes that start the real console app in-process share this collection, so they never start it concurrently:
/// two WebApplicationFactory instances of one minimal-hosting entry point starting at once intermittently saw each
/// other's disposed host.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ConsoleAppTests
{
    public const string Name = "console app";
}

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

    /// <summary>Posts the development sign-in form as a browser would: the form's antiforgery token, the user, the ticked roles.</summary>
    public static async Task<HttpResponseMessage> DevSignInAsync(this HttpClient client, string user, string[] roles, string returnUrl)
    {
        var page = await client.GetStringAsync(new Uri("/account/dev-signin", UriKind.Relative), TestContext.Current.CancellationToken);
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", AntiforgeryToken(page)),
            new("user", user),
            new("returnUrl", returnUrl),
        };
        fields.AddRange(roles.Select(r => new KeyValuePair<string, string>("roles", r)));
        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri("/account/dev-signin", UriKind.Relative), form, TestContext.Current.CancellationToken);
    }

    /// <summary>The antiforgery field of a rendered form.</summary>
    public static string AntiforgeryToken(string html) =>
        AntiforgeryField().Match(html) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No antiforgery field.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
