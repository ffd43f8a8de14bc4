using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>Security and compliance sections, and the trait rules across them (<see cref="ManifestTraitRules"/>).</summary>
internal sealed partial class ManifestReader
{
    internal sealed record SecurityParts(List<string>? Classification);

    private SecurityParts ReadSecurity(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.security";
        if (!Required(fields, "security", path, out var element))
        {
            return new SecurityParts(null);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The security section must be an object, but it is {Describe(element)}.");
            return new SecurityParts(null);
        }

        var security = Members(element, path, s_securityFields);

        const string authPath = "$.security.authentication_required";
        if (Required(security, "authentication_required", authPath, out var auth))
        {
            if (auth.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                Error(authPath, $"authentication_required must be the boolean true, but it is {Describe(auth)}.");
            }
            else if (auth.ValueKind == JsonValueKind.False)
            {
                Error(authPath, "authentication_required must be true: every plugin endpoint requires authentication.");
            }
        }

        const string classificationPath = "$.security.data_classification";
        List<string>? classification = null;
        if (Required(security, "data_classification", classificationPath, out var classes))
        {
            var items = ReadStringArray(classes, classificationPath, ManifestBounds.MaxDataClassifications, MaxVocabularyLength, "data classifications");
            if (items is not null)
            {
                if (items.Count == 0)
                {
                    Error(classificationPath, "At least one data classification is required (" + string.Join(", ", ManifestVocabulary.DataClassifications) + ").");
                }

                classification = [];
                foreach (var (value, itemPath) in items)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (!ManifestVocabulary.DataClassifications.Contains(value, StringComparer.Ordinal))
                    {
                        Error(itemPath, $"Unknown data classification '{value}'; expected one of " + string.Join(", ", ManifestVocabulary.DataClassifications) + ".");
                    }
                    else if (classification.Contains(value, StringComparer.Ordinal))
                    {
                        Error(itemPath, $"The data classification '{value}' is listed more than once.");
                    }
                    else
                    {
                        classification.Add(value);
                    }
                }
            }
        }

        return new SecurityParts(classification);
    }

    internal sealed record ComplianceParts(List<string>? HipaaControls, string? AuditLevel);

    private ComplianceParts? ReadCompliance(Dictionary<string, JsonElement> fields, out bool declared)
    {
        const string path = "$.compliance";
        declared = fields.TryGetValue("compliance", out var element);
        if (!declared)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The compliance section must be an object, but it is {Describe(element)}.");
            return null;
        }

        var compliance = Members(element, path, s_complianceFields);

        List<string>? controls = null;
        const string controlsPath = "$.compliance.hipaa_controls";
        if (compliance.TryGetValue("hipaa_controls", out var controlsElement))
        {
            var items = ReadStringArray(controlsElement, controlsPath, ManifestBounds.MaxHipaaControls, ManifestBounds.MaxHipaaControlLength, "HIPAA controls");
            if (items is not null)
            {
                controls = [];
                foreach (var (value, itemPath) in items)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (!CfrCitation.IsValid(value))
                    {
                        Error(itemPath, $"The HIPAA control '{value}' is not a CFR citation such as 164.312(a) or 164.312(a)(2)(iv).");
                    }
                    else if (controls.Contains(value, StringComparer.Ordinal))
                    {
                        Error(itemPath, $"The HIPAA control '{value}' is listed more than once.");
                    }
                    else
                    {
                        controls.Add(value);
                    }
                }
            }
        }

        string? auditLevel = null;
        const string auditPath = "$.compliance.audit_level";
        if (compliance.TryGetValue("audit_level", out var auditElement))
        {
            var value = ReadString(auditElement, auditPath, MaxVocabularyLength);
            if (value is not null)
            {
                if (ManifestVocabulary.AuditLevels.Contains(value, StringComparer.Ordinal))
                {
                    auditLevel = value;
                }
                else
                {
                    Error(auditPath, $"Unknown audit level '{value}'; expected one of " + string.Join(", ", ManifestVocabulary.AuditLevels) + ".");
                }
            }
        }

        return new ComplianceParts(controls, auditLevel);
    }

    /// <summary>
    /// Seed 004 "Trait consistency" and "Compliance": every rule of <see cref="ManifestTraitRules"/>, in order, on whatever
    /// parts could be read. A rule sees the findings of the rules before it (<see cref="TraitFacts.HasErrorUnder"/>).
    /// </summary>
    private void CheckTraitRules(List<string>? traits, SecurityParts security, ComplianceParts? compliance, bool complianceDeclared, List<string>? allowedDomains)
    {
        var facts = new TraitFacts(traits, security.Classification, compliance, complianceDeclared, allowedDomains, HasErrorUnder);
        foreach (var rule in ManifestTraitRules.All)
        {
            if (!rule.Applies(facts))
            {
                continue;
            }

            if (rule.IsWarning)
            {
                Warning(rule.Path, rule.Message(facts));
            }
            else
            {
                Error(rule.Path, rule.Message(facts));
            }
        }
    }
}
