using Grpc.Core;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// Where the registration credential comes from: <see cref="FabrixPluginOptions.RegistrationCredential"/>, else the
/// file <see cref="FabrixPluginOptions.RegistrationCredentialFile"/>, trimmed. The value goes into the registration
/// request and nowhere else: no log line, no exception message, no health output.
/// </summary>
internal static class RegistrationCredentialSource
{
    public static string Read(FabrixPluginOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.RegistrationCredential))
        {
            return options.RegistrationCredential.Trim();
        }

        var path = options.RegistrationCredentialFile!;
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Reported like the registry's own refusal of a credential: retried slowly, with the same advice.
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"The registration credential file '{path}' could not be read ({e.GetType().Name})."));
        }
    }
}
