using System.CommandLine;
using System.Globalization;
using Fabrix.Contracts.Webhooks;

namespace Fabrix.Cli.Webhooks;

/// <summary>
/// <c>fabrix webhooks sign</c> and <c>fabrix webhooks verify</c> (issue 11 section 4): offline and exact, over the body
/// read from standard input byte for byte (a trailing newline is part of it). Both use
/// <see cref="WebhookSignature"/>, the code Core.Events signs with.
/// </summary>
internal static class WebhookSigningCommands
{
    public static Command Sign(CliContext context)
    {
        var secret = SecretOption();
        var id = IdOption();
        var timestamp = TimestampOption();
        var sign = new Command("sign", "Print the webhook-signature value (v1,…) of the body on standard input.") { secret, id, timestamp };
        sign.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!WebhookSecret.TryParse(parseResult.GetValue(secret), out var key))
            {
                await context.Error.WriteLineAsync("--secret: not a webhook secret (whsec_ followed by base64).");
                return ExitCodes.UsageOrIo;
            }

            if (!TryTimestamp(parseResult.GetValue(timestamp), out var seconds) || string.IsNullOrEmpty(parseResult.GetValue(id)))
            {
                await context.Error.WriteLineAsync("--id must not be empty and --timestamp must be Unix seconds.");
                return ExitCodes.UsageOrIo;
            }

            var body = await ReadBodyAsync(context, cancellationToken);
            await context.Out.WriteLineAsync(WebhookSignature.Sign(key, parseResult.GetValue(id)!, seconds, body));
            return ExitCodes.Ok;
        });
        return sign;
    }

    public static Command Verify(CliContext context)
    {
        var secret = SecretOption();
        var id = IdOption();
        var timestamp = TimestampOption();
        var signature = new Option<string>("--signature")
        {
            Description = "The webhook-signature header: space-separated version,signature entries.",
            Required = true,
        };
        var now = new Option<string?>("--now") { Description = "Unix seconds to check the timestamp against (default: the clock)." };
        var verify = new Command("verify", "Verify a delivery of the body on standard input. Exit 0 printing 'valid', or 1 printing "
            + "'invalid signature', 'timestamp too old', 'timestamp too new' or 'malformed'. Tolerance: 5 minutes either way.")
        {
            secret, id, timestamp, signature, now,
        };
        verify.SetAction(async (parseResult, cancellationToken) =>
        {
            var nowText = parseResult.GetValue(now);
            if (nowText is not null && (!TryTimestamp(nowText, out var nowSeconds) || nowSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()))
            {
                await context.Error.WriteLineAsync($"--now must be Unix seconds (0 to {DateTimeOffset.MaxValue.ToUnixTimeSeconds()}).");
                return ExitCodes.UsageOrIo;
            }

            var at = nowText is null ? context.Time.GetUtcNow() : DateTimeOffset.FromUnixTimeSeconds(long.Parse(nowText, CultureInfo.InvariantCulture));
            var body = await ReadBodyAsync(context, cancellationToken);
            var outcome = WebhookSecret.TryParse(parseResult.GetValue(secret), out var key)
                ? WebhookSignature.Verify(key, parseResult.GetValue(id), parseResult.GetValue(timestamp), parseResult.GetValue(signature), body, at)
                : WebhookVerification.Malformed;
            await context.Out.WriteLineAsync(WebhookSignature.Describe(outcome));
            return outcome == WebhookVerification.Valid ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return verify;
    }

    private static Option<string> SecretOption() => new("--secret") { Description = "The endpoint's secret, whsec_… (the prefix and base64 padding are optional).", Required = true };

    private static Option<string> IdOption() => new("--id") { Description = "The webhook-id (message id).", Required = true };

    private static Option<string> TimestampOption() => new("--timestamp") { Description = "The webhook-timestamp, Unix seconds.", Required = true };

    private static bool TryTimestamp(string? text, out long seconds)
    {
        seconds = 0;
        return text is { Length: > 0 and <= 18 } && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds);
    }

    private static async Task<byte[]> ReadBodyAsync(CliContext context, CancellationToken cancellationToken)
    {
        await using var input = context.OpenInput();
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
