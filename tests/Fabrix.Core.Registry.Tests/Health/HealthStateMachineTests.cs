using Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>
/// The thresholds of issue 3 §1 as sequences of observations: S = successful probe (or heartbeat), F = failed probe,
/// E = heartbeat TTL expired. The expected column is the state after each step: ? unknown, H healthy, D degraded,
/// U unhealthy.
/// </summary>
public sealed class HealthStateMachineTests
{
    public static TheoryData<string, string> DefaultPolicyPaths() => new()
    {
        // A plugin starts unknown; one success is not yet healthy (issue 3: 2 consecutive successes -> healthy).
        { "S", "?" },
        { "SS", "?H" },
        { "SSS", "?HH" },

        // First failure -> degraded; 3 consecutive -> unhealthy.
        { "F", "D" },
        { "FF", "DD" },
        { "FFF", "DDU" },
        { "FFFF", "DDUU" },
        { "SF", "?D" },

        // From healthy.
        { "SSF", "?HD" },
        { "SSFF", "?HDD" },
        { "SSFFF", "?HDDU" },

        // Recovery needs 2 consecutive successes, from degraded and from unhealthy.
        { "FS", "DD" },
        { "FSS", "DDH" },
        { "SSFSS", "?HDDH" },
        { "FFFS", "DDUU" },
        { "FFFSS", "DDUUH" },

        // A failure never improves a state: unhealthy stays unhealthy after a lone success and a failure.
        { "FFFSF", "DDUUU" },
        { "FFFSFSS", "DDUUUUH" },

        // Consecutive means consecutive: alternating outcomes never reach unhealthy nor healthy.
        { "FSFSFSF", "DDDDDDD" },
        { "FFSFF", "DDDDD" },
        { "FFSFFF", "DDDDDU" },

        // Heartbeat TTL expiry is unhealthy at once, from any state; heartbeats (successes) recover.
        { "E", "U" },
        { "SSE", "?HU" },
        { "FE", "DU" },
        { "ES", "UU" },
        { "ESS", "UUH" },
        { "ESF", "UUU" },
    };

    [Theory]
    [MemberData(nameof(DefaultPolicyPaths))]
    public void Apply_DefaultPolicy_FollowsIssueThresholds(string signals, string expectedStates)
    {
        var states = Run(signals, HealthPolicy.Default);

        Assert.Equal(expectedStates, states);
    }

    public static TheoryData<string, int, int, int, string> CustomPolicyPaths() => new()
    {
        // degraded after, unhealthy after, healthy after
        { "F", 2, 4, 1, "?" },
        { "FF", 2, 4, 1, "?D" },
        { "FFFF", 2, 4, 1, "?DDU" },
        { "S", 2, 4, 1, "H" },
        { "FFS", 2, 4, 1, "?DH" },
        { "SSF", 2, 4, 1, "HHH" },
        { "SSFF", 2, 4, 1, "HHHD" },

        // Degraded and unhealthy at the same count: straight to unhealthy.
        { "FF", 2, 2, 3, "?U" },
        { "FFSS", 2, 2, 3, "?UUU" },
        { "FFSSS", 2, 2, 3, "?UUUH" },

        // Unhealthy on the first failure.
        { "SF", 1, 1, 1, "HU" },
    };

    [Theory]
    [MemberData(nameof(CustomPolicyPaths))]
    public void Apply_CustomThresholds_FollowsThem(string signals, int degradedAfter, int unhealthyAfter, int healthyAfter, string expectedStates)
    {
        var policy = HealthPolicy.Default with
        {
            DegradedAfterFailures = degradedAfter,
            UnhealthyAfterFailures = unhealthyAfter,
            HealthyAfterSuccesses = healthyAfter,
        };

        var states = Run(signals, policy);

        Assert.Equal(expectedStates, states);
    }

    [Fact]
    public void Apply_FailureAfterSuccesses_ResetsTheSuccessCount()
    {
        var status = HealthStatus.Unknown;
        status = HealthStateMachine.Apply(status, HealthSignal.Success, HealthPolicy.Default).Next;

        var next = HealthStateMachine.Apply(status, HealthSignal.Failure, HealthPolicy.Default).Next;

        Assert.Equal(new HealthStatus(HealthState.Degraded, 1, 0), next);
    }

    [Fact]
    public void Apply_SuccessAfterFailures_ResetsTheFailureCount()
    {
        var status = new HealthStatus(HealthState.Degraded, 2, 0);

        var next = HealthStateMachine.Apply(status, HealthSignal.Success, HealthPolicy.Default).Next;

        Assert.Equal(new HealthStatus(HealthState.Degraded, 0, 1), next);
    }

    [Fact]
    public void Apply_CountersChangeButStateDoesNot_IsNotATransition()
    {
        var evaluation = HealthStateMachine.Apply(new HealthStatus(HealthState.Degraded, 1, 0), HealthSignal.Failure, HealthPolicy.Default);

        Assert.False(evaluation.Transitioned);
        Assert.Equal(2, evaluation.Next.ConsecutiveFailures);
    }

    [Fact]
    public void Apply_StateChanges_IsATransitionFromThePreviousState()
    {
        var evaluation = HealthStateMachine.Apply(new HealthStatus(HealthState.Degraded, 2, 0), HealthSignal.Failure, HealthPolicy.Default);

        Assert.True(evaluation.Transitioned);
        Assert.Equal(HealthState.Degraded, evaluation.Previous.State);
        Assert.Equal(HealthState.Unhealthy, evaluation.Next.State);
    }

    [Fact]
    public void Apply_PersistedCountersAfterRestart_ContinueTheRun()
    {
        // Two failures were recorded before a restart; the third after it completes the run of three.
        var restored = new HealthStatus(HealthState.Degraded, 2, 0);

        var next = HealthStateMachine.Apply(restored, HealthSignal.Failure, HealthPolicy.Default).Next;

        Assert.Equal(HealthState.Unhealthy, next.State);
    }

    [Theory]
    [InlineData("unknown", 1)]
    [InlineData("healthy", 2)]
    [InlineData("degraded", 3)]
    [InlineData("unhealthy", 4)]
    public void StateNames_RoundTrip_MatchContractAndStorage(string name, int contractValue)
    {
        var state = HealthStateNames.Parse(name);

        Assert.Equal(name, state.Name());
        Assert.Equal(contractValue, (int)state.ToContract());
        Assert.Equal(state, HealthStateNames.FromContract(state.ToContract()));
    }

    private static string Run(string signals, HealthPolicy policy)
    {
        var status = HealthStatus.Unknown;
        var states = new System.Text.StringBuilder();
        foreach (var signal in signals)
        {
            var evaluation = HealthStateMachine.Apply(status, Signal(signal), policy);
            Assert.Equal(evaluation.Previous.State != evaluation.Next.State, evaluation.Transitioned);
            status = evaluation.Next;
            states.Append(Letter(status.State));
        }

        return states.ToString();
    }

    private static HealthSignal Signal(char letter) => letter switch
    {
        'S' => HealthSignal.Success,
        'F' => HealthSignal.Failure,
        'E' => HealthSignal.HeartbeatExpired,
        _ => throw new ArgumentOutOfRangeException(nameof(letter), letter, "S, F or E"),
    };

    private static char Letter(HealthState state) => state switch
    {
        HealthState.Healthy => 'H',
        HealthState.Degraded => 'D',
        HealthState.Unhealthy => 'U',
        _ => '?',
    };
}
