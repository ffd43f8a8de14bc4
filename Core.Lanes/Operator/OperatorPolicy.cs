using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Lanes.Operator;

/// <summary>
/// The Operator lane's policy (issue 10 section 2): default deny, one pure function of the request and an
/// <see cref="IOperatorPolicySource"/>. The gateway calls it on every request; <c>fabrix gateway check</c> calls it
/// offline. The checks run in a fixed order and the first that fails is the refusal (Core.Lanes/Operator/README.md).
/// Allocation-free on the allowed path (endpoint templates are compiled once per policy entry).
/// </summary>
public static class OperatorPolicy
{
    /// <summary>The first segment of a gateway target that routes by contract: <c>/contracts/{contract}/{path}</c>.</summary>
    public const string ContractsSegment = "contracts";

    /// <summary>Decides <paramref name="request"/> against <paramref name="source"/>.</summary>
    public static OperatorDecision Decide(IOperatorPolicySource source, in OperatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(source);

        if (!source.IsLaneOn)
        {
            return OperatorDecision.Refuse(RefusalCodes.OperatorLaneOff, "The Operator lane is switched off.");
        }

        var caller = source.Find(request.CallerId);
        if (caller is null || !caller.IsActive)
        {
            return OperatorDecision.Refuse(RefusalCodes.CallerNotActive, "The calling plugin is not installed or not active.");
        }

        if (!IsStandardMethod(request.Method))
        {
            return OperatorDecision.Refuse(RefusalCodes.MethodNotStandard, "The method is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS.");
        }

        var raw = request.RawTarget;
        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        var pathLength = queryStart < 0 ? raw.Length : queryStart;
        var pathProblem = OperatorPath.Check(raw.AsSpan(0, pathLength));
        if (pathProblem is not null)
        {
            return OperatorDecision.Refuse(pathProblem, OperatorPath.Describe(pathProblem));
        }

        // The target: named apart, or the first segment(s) of the gateway's raw target. The forwarded path is what follows.
        var forwardStart = 0;
        string? contract = null;
        ReadOnlySpan<char> targetId = default;
        switch (request.Kind)
        {
            case OperatorTargetKind.Plugin:
                targetId = request.Target;
                break;
            case OperatorTargetKind.Contract:
                contract = request.Target;
                break;
            default:
                var first = NextSegment(raw.AsSpan(0, pathLength), 0, out forwardStart);
                if (first.SequenceEqual(ContractsSegment))
                {
                    var named = NextSegment(raw.AsSpan(0, pathLength), forwardStart, out forwardStart);
                    contract = Known(named);
                    if (contract is null)
                    {
                        return OperatorDecision.Refuse(RefusalCodes.ContractNoProvider, "The contract is not one the platform knows.");
                    }
                }
                else
                {
                    targetId = first;
                }

                break;
        }

        PluginPolicy? target;
        if (contract is not null)
        {
            var resolved = ResolveContract(source, contract, out target);
            if (resolved is { } refusal)
            {
                return refusal;
            }
        }
        else
        {
            target = FindExact(source, targetId, request.Target);
            if (target is null)
            {
                return OperatorDecision.Refuse(RefusalCodes.TargetNotInstalled, "The target is not exactly the id of an installed plugin (ids are lower case).");
            }
        }

        return DecideForTarget(source, caller, target!, request.Method, raw, forwardStart, pathLength - forwardStart, queryStart);
    }

    private static OperatorDecision DecideForTarget(IOperatorPolicySource source, PluginPolicy caller, PluginPolicy target, string method,
        string raw, int pathStart, int pathLength, int queryStart)
    {
        if (!target.IsActive)
        {
            return OperatorDecision.Refuse(RefusalCodes.TargetNotActive, "The target plugin is not active.", target.Id, target);
        }

        if (target.Health == HealthState.Unhealthy)
        {
            return OperatorDecision.Refuse(RefusalCodes.TargetUnhealthy, "The target plugin is unhealthy.", target.Id, target);
        }

        if (!Declares(caller.Dependencies, target.Id) && !source.IsGranted(caller.Id, target.Id))
        {
            return OperatorDecision.Refuse(RefusalCodes.NotADependency,
                "The caller neither declares the target as a dependency nor holds a grant to it.", target.Id, target);
        }

        if (target.Traits.Contains(ManifestVocabulary.Traits.HandlesPhi) && !caller.Traits.Contains(ManifestVocabulary.Traits.HandlesPhi))
        {
            return OperatorDecision.Refuse(RefusalCodes.PhiTraitRequired, "The target handles PHI; only a handles_phi caller may reach it.", target.Id, target);
        }

        var path = pathLength == 0 ? "/" : raw.AsSpan(pathStart, pathLength);
        var match = OperatorEndpoints.For(target).Match(method, path);
        if (match.Name is null)
        {
            return match.PathMatched
                ? OperatorDecision.Refuse(RefusalCodes.EndpointMethodNotAllowed, "The target declares this path but not for this method.", target.Id, target)
                : OperatorDecision.Refuse(RefusalCodes.EndpointNotDeclared, "The target declares no endpoint that matches this path.", target.Id, target);
        }

        return OperatorDecision.Allow(target, match.Name, raw, pathStart, pathLength, queryStart);
    }

    /// <summary>
    /// The plugin that serves <paramref name="contract"/>: the administrator's choice when it provides the contract;
    /// otherwise the only active provider. Returns a refusal, or null with <paramref name="target"/> set.
    /// </summary>
    private static OperatorDecision? ResolveContract(IOperatorPolicySource source, string contract, out PluginPolicy? target)
    {
        target = null;
        var preferred = source.PreferredProvider(contract);
        if (preferred is not null && source.Find(preferred) is { } chosen && chosen.Contracts.Contains(contract, StringComparer.Ordinal))
        {
            target = chosen;
            return null;
        }

        List<string>? candidates = null;
        foreach (var plugin in source.AllPlugins)
        {
            if (!plugin.IsActive || !plugin.Contracts.Contains(contract, StringComparer.Ordinal))
            {
                continue;
            }

            if (target is null)
            {
                target = plugin;
                continue;
            }

            candidates ??= [target.Id];
            candidates.Add(plugin.Id);
        }

        if (target is null)
        {
            return OperatorDecision.Refuse(RefusalCodes.ContractNoProvider, "No active plugin provides the contract.");
        }

        if (candidates is not null)
        {
            candidates.Sort(StringComparer.Ordinal);
            target = null;
            return OperatorDecision.Refuse(RefusalCodes.ContractAmbiguous,
                "Several active plugins provide the contract and an administrator has chosen none of them.", candidates: candidates);
        }

        return null;
    }

    /// <summary>
    /// The installed plugin whose id is exactly <paramref name="id"/>. Only a well-formed id is looked up (lower case
    /// letters, digits, inner hyphens; an encoded or upper-case id is not folded into one).
    /// </summary>
    private static PluginPolicy? FindExact(IOperatorPolicySource source, ReadOnlySpan<char> id, string? given)
    {
        if (!IsWellFormedId(id))
        {
            return null;
        }

        var plugin = given is not null ? source.Find(given) : source.Find(id);
        return plugin is not null && id.SequenceEqual(plugin.Id) ? plugin : null;
    }

    private static bool IsWellFormedId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > PluginIds.MaxLength || id[0] == '-' || id[^1] == '-')
        {
            return false;
        }

        var previous = '\0';
        foreach (var c in id)
        {
            if (!(char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '-') || (c == '-' && previous == '-'))
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    /// <summary>The segment of <paramref name="path"/> that starts after the <c>/</c> at <paramref name="slash"/>; <paramref name="next"/> is the index of the following <c>/</c> (or the end).</summary>
    private static ReadOnlySpan<char> NextSegment(ReadOnlySpan<char> path, int slash, out int next)
    {
        if (slash >= path.Length)
        {
            next = path.Length;
            return default;
        }

        var rest = path[(slash + 1)..];
        var end = rest.IndexOf('/');
        next = end < 0 ? path.Length : slash + 1 + end;
        return end < 0 ? rest : rest[..end];
    }

    private static string? Known(ReadOnlySpan<char> contract)
    {
        var contracts = ManifestVocabulary.Contracts;
        for (var i = 0; i < contracts.Count; i++)
        {
            if (contract.SequenceEqual(contracts[i]))
            {
                return contracts[i];
            }
        }

        return null;
    }

    private static bool Declares(IReadOnlyList<string> dependencies, string target)
    {
        for (var i = 0; i < dependencies.Count; i++)
        {
            if (string.Equals(dependencies[i], target, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsStandardMethod(string method)
    {
        var standard = EndpointTemplate.StandardMethods;
        for (var i = 0; i < standard.Count; i++)
        {
            if (string.Equals(method, standard[i], StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
