using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;

namespace Fabrix.Core.Lanes.Tests.Messaging;

/// <summary><see cref="LaneMessagingExtensions.AddLaneMessaging"/>: the lane's connections and the publish connection's write buffer.</summary>
public sealed class LaneMessagingTests
{
    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([
            new($"ConnectionStrings:{LaneMessagingExtensions.ConnectionName}", "nats://lane:secret@127.0.0.1:4222"),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
        ]);
        builder.Services.AddLogging();
        builder.AddLaneMessaging("fabrix-test-lane");
        return builder.Build();
    }

    [Fact]
    public void AddLaneMessaging_Defaults_PublishConnectionQueuesOneMebibyteAndTheOthersTheLibrarysDefault()
    {
        using var host = Build();

        var lane = host.Services.GetRequiredService<INatsConnection>();
        var audit = host.Services.GetRequiredKeyedService<INatsConnection>(LaneMessagingExtensions.AuditConnectionKey);

        Assert.Equal((1 << 20, "fabrix-test-lane"), (lane.Opts.WriterBufferSize, lane.Opts.Name));
        Assert.Equal(NatsOpts.Default.WriterBufferSize, audit.Opts.WriterBufferSize);
        Assert.Equal(("lane", "secret", "nats://127.0.0.1:4222"), (lane.Opts.AuthOpts.Username, lane.Opts.AuthOpts.Password, lane.Opts.Url));
    }

    [Fact]
    public void AddLaneMessaging_WriterBufferSizeSet_UsedByThePublishConnection()
    {
        using var host = Build((LaneMessagingExtensions.WriterBufferSizeKey, "262144"));

        Assert.Equal(262144, host.Services.GetRequiredService<INatsConnection>().Opts.WriterBufferSize);
    }

    [Theory]
    [InlineData("65535")]
    [InlineData("67108865")]
    [InlineData("-1")]
    public void AddLaneMessaging_WriterBufferSizeOutOfRange_RefusedNamingTheSetting(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build((LaneMessagingExtensions.WriterBufferSizeKey, value)));

        Assert.Contains(LaneMessagingExtensions.WriterBufferSizeKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }
}
