using Fabrix.Contracts.Manifests;
using static Fabrix.Contracts.Tests.Manifests.ManifestFixtures;

namespace Fabrix.Contracts.Tests.Manifests;

/// <summary>
/// One row of the shared rule table: a manifest, the single JSON path its errors must be at (null = valid),
/// and whether the published JSON Schema can express the rule. Rows the schema cannot express say why.
/// </summary>
public sealed record ManifestCase(string Name, string Json, string? ErrorPath, string? SchemaGap = null, string? WarningPath = null)
{
    public bool IsValid => ErrorPath is null;

    public override string ToString() => Name;
}

/// <summary>
/// The table shared by the validator tests and the schema-agreement test: every rule of seed 004 / issue 2
/// section 3 at least once each way.
/// </summary>
internal static class ManifestCases
{
    private const string DuplicateKeys = "JSON Schema sees parsed objects, in which a duplicate key has already been collapsed.";
    private const string SelfReference = "draft-07 cannot compare one value with another ($.id).";
    private const string CaseInsensitiveUnique = "uniqueItems compares exactly; the validator compares hostnames lower-cased.";
    private const string Surrogates = "A JSON Schema validator decodes strings leniently; unpaired surrogates are not text.";
    private const string HugeInteger = "NJsonSchema throws InvalidCastException on integers beyond 64 bits instead of failing validation.";
    private const string RangeSyntax = "The schema states only 'a non-blank string'; the npm range grammar and its meaning are the validator's (PlatformRange).";
    private const string DocumentSize = "A JSON Schema constrains values, not the size in bytes of the document that holds them.";
    private const string UnknownText = "additionalProperties stays open (forward compatibility), so the schema says nothing about the text inside unknown properties.";
    private const string CategoryRule = "The schema lists the common bidirectional and invisible characters; the validator refuses every format (Cf), private-use and unassigned character by its Unicode category.";

    public static IReadOnlyList<ManifestCase> All { get; } = Build();

    public static ManifestCase Get(string name) => All.Single(c => c.Name == name);

    private static List<ManifestCase> Build()
    {
        var cases = new List<ManifestCase>();

        void Valid(string name, string json, string? warningPath = null) => cases.Add(new ManifestCase(name, json, null, WarningPath: warningPath));
        void Invalid(string name, string path, string json, string? schemaGap = null) => cases.Add(new ManifestCase(name, json, path, schemaGap));
        string Full(params (string, string?)[] edits) => Edit(ClaimsGateway, edits);
        string Min(params (string, string?)[] edits) => Edit(Echo, edits);

        // Fixtures.
        Valid("fixture: seed 004 user-management", Text(UserManagement));
        Valid("fixture: claims-gateway (every section)", Text(ClaimsGateway));
        Valid("fixture: echo (minimal)", Text(Echo), warningPath: "$.traits[0]");

        // Root shape and JSON types.
        Invalid("root: null", "$", "null");
        Invalid("root: array", "$", "[]");
        Invalid("root: string", "$", "\"manifest\"");
        Invalid("root: number", "$", "42");
        Invalid("root: duplicate key", "$.id", Text(Echo).Replace("\"id\": \"echo\",", "\"id\": \"echo\", \"id\": \"echo-two\",", StringComparison.Ordinal), DuplicateKeys);
        Invalid("root: $schema not a string", "$['$schema']", Min(("$schema", "1")));
        Valid("root: unknown property warns", Min(("traits", "[\"audit_required\"]"), ("compliance", "{\"audit_level\":\"basic\"}"), ("x_vendor", "{\"a\":1}")), warningPath: "$.x_vendor");

        // id: 1-64 chars, ^[a-z0-9]+(-[a-z0-9]+)*$.
        Valid("id: single char", Min(("id", "\"a\"")));
        Valid("id: digits and hyphens", Min(("id", "\"a1-b2-3c\"")));
        Valid("id: 64 chars", Min(("id", Quote(new string('a', 64)))));
        Invalid("id: 65 chars", "$.id", Min(("id", Quote(new string('a', 65)))));
        Invalid("id: empty", "$.id", Min(("id", "\"\"")));
        Invalid("id: uppercase", "$.id", Min(("id", "\"User-Management\"")));
        Invalid("id: leading hyphen", "$.id", Min(("id", "\"-echo\"")));
        Invalid("id: trailing hyphen", "$.id", Min(("id", "\"echo-\"")));
        Invalid("id: double hyphen", "$.id", Min(("id", "\"echo--two\"")));
        Invalid("id: underscore", "$.id", Min(("id", "\"echo_two\"")));
        Invalid("id: non-ASCII digit", "$.id", Min(("id", Quote("echo\u0663"))));
        Invalid("id: trailing newline", "$.id", Min(("id", Quote("echo\n"))));
        Invalid("id: number", "$.id", Min(("id", "7")));
        Invalid("id: null", "$.id", Min(("id", "null")));
        Invalid("id: missing", "$.id", Min(("id", null)));

        // name.
        Valid("name: any non-empty text", Min(("name", Quote("Échő – plugin"))));
        Invalid("name: empty", "$.name", Min(("name", "\"\"")));
        Invalid("name: whitespace", "$.name", Min(("name", "\"   \"")));
        Invalid("name: number", "$.name", Min(("name", "42")));
        Invalid("name: missing", "$.name", Min(("name", null)));
        Invalid("name: unpaired surrogate", "$.name", Text(Echo).Replace("\"Echo\"", "\"\\ud800\"", StringComparison.Ordinal), Surrogates);

        // name: bounds and characters (issue 7 sections 3 and 4).
        Valid("name: 100 chars", Min(("name", Quote(new string('n', 100)))));
        Valid("name: emoji and accents", Min(("name", Quote("Écho \U0001F680 plugin"))));
        Valid("name: Cyrillic homoglyphs (warned at install, not refused)", Min(("name", Quote("User \u041Canagement"))));
        Invalid("name: 101 chars", "$.name", Min(("name", Quote(new string('n', 101)))));
        foreach (var (label, character) in HiddenCharacters)
        {
            Invalid($"name: {label}", "$.name", Min(("name", Quote("User Management" + character + "Plugin"))));
        }

        Invalid("name: Arabic number sign U+0600 (format)", "$.name", Min(("name", Quote("Echo\u0600"))), CategoryRule);
        Invalid("name: private use U+E000", "$.name", Min(("name", Quote("Echo\uE000"))), CategoryRule);

        // version: strict SemVer 2.0.
        Valid("version: release", Min(("version", "\"10.20.30\"")));
        Valid("version: pre-release", Min(("version", "\"1.2.3-alpha.1\"")));
        Valid("version: pre-release and build", Min(("version", "\"1.0.0-rc.1+sha.5114f85\"")));
        Valid("version: 256 chars", Min(("version", Quote("1.0.0-" + new string('a', 250)))));
        Invalid("version: 257 chars", "$.version", Min(("version", Quote("1.0.0-" + new string('a', 251)))));
        Invalid("version: 1024 chars", "$.version", Min(("version", Quote("1.0.0-" + new string('a', 1018)))));
        Invalid("version: two parts", "$.version", Min(("version", "\"1.0\"")));
        Invalid("version: four parts", "$.version", Min(("version", "\"1.0.0.0\"")));
        Invalid("version: leading v", "$.version", Min(("version", "\"v1.0.0\"")));
        Invalid("version: leading zero", "$.version", Min(("version", "\"01.0.0\"")));
        Invalid("version: numeric pre-release with leading zero", "$.version", Min(("version", "\"1.0.0-01\"")));
        Invalid("version: empty pre-release", "$.version", Min(("version", "\"1.0.0-\"")));
        Invalid("version: word", "$.version", Min(("version", "\"latest\"")));
        Invalid("version: trailing newline", "$.version", Min(("version", Quote("1.0.0\n"))));
        Invalid("version: number", "$.version", Min(("version", "1.0")));
        Invalid("version: missing", "$.version", Min(("version", null)));

        // description.
        Valid("description: absent", Min(("description", null)));
        Invalid("description: number", "$.description", Min(("description", "7")));
        Valid("description: empty", Min(("description", "\"\"")));
        Valid("description: 2000 chars", Min(("description", Quote(new string('d', 2000)))));
        Invalid("description: 2001 chars", "$.description", Min(("description", Quote(new string('d', 2001)))));
        Invalid("description: 3 MB", "$", Min(("description", Quote(new string('d', 3_000_000)))), DocumentSize);
        foreach (var (label, character) in HiddenCharacters)
        {
            Invalid($"description: {label}", "$.description", Min(("description", Quote("Echoes" + character + "requests"))));
        }

        // The document (issue 7 section 3): 64 KiB of UTF-8, counted before anything is parsed.
        Valid("document: exactly 64 KiB", Padded(ManifestBounds.MaxManifestBytes, 'x'), warningPath: "$.x_padding");
        Valid("document: 64 KiB in multi-byte characters", Padded(ManifestBounds.MaxManifestBytes, 'é'), warningPath: "$.x_padding");
        Invalid("document: 64 KiB and one byte", "$", Padded(ManifestBounds.MaxManifestBytes + 1, 'x'), DocumentSize);
        Invalid("document: 64 KiB of text, more in UTF-8", "$", Padded(ManifestBounds.MaxManifestBytes + 1, 'é'), DocumentSize);

        // Text anywhere: no control characters, also inside unknown properties and property names.
        Valid("text: unknown property with plain text", Min(("x_vendor", "{\"note\":[\"a b\"]}")), warningPath: "$.x_vendor");
        Invalid("text: NUL in an unknown property", "$.x_vendor.note[0]", Min(("x_vendor", "{\"note\":[\"a\\u0000b\"]}")), UnknownText);
        Invalid("text: control character in a property name", "$.x_vendor", Min(("x_vendor", "{\"a\\u0007b\":1}")), UnknownText);
        Invalid("text: property name of 257 chars", "$", Min((new string('k', 257), "1")), UnknownText);
        Valid("$schema: 1024 chars", Min(("$schema", Quote("https://example.com/" + new string('s', 1004)))));
        Invalid("$schema: 1025 chars", "$['$schema']", Min(("$schema", Quote("https://example.com/" + new string('s', 1005)))));
        Invalid("$schema: control character", "$['$schema']", Min(("$schema", Quote("https://example.com/\u0001"))));

        // platform: optional npm-style range of Fabrix versions (issue 3 section 3).
        Valid("platform: absent", Min(("platform", null)));
        foreach (var range in new[]
        {
            ">=1.0.0 <2.0.0", "^1.2", "~1.4.0", "1.x", "*", "1.0.0 - 1.9.0", "^1.0.0 || ^2.0.0", ">=2.0.0-beta.1", "=1.0.0", "v1",
            ">= 1.0.0", "1.0.0+build.7", "  ^1.0.0  ", ">=1.0.0" + new string(' ', 1017),
        })
        {
            Valid($"platform: {Shorten(range)}", Min(("platform", Quote(range))));
        }

        Invalid("platform: empty", "$.platform", Min(("platform", "\"\"")));
        Invalid("platform: whitespace", "$.platform", Min(("platform", "\"   \"")));
        Invalid("platform: 1025 chars", "$.platform", Min(("platform", Quote(">=1.0.0" + new string(' ', 1018)))));
        Invalid("platform: number", "$.platform", Min(("platform", "1")));
        Invalid("platform: array", "$.platform", Min(("platform", "[\">=1.0.0\"]")));
        Invalid("platform: object", "$.platform", Min(("platform", "{\"min\":\"1.0.0\"}")));
        Invalid("platform: null", "$.platform", Min(("platform", "null")));
        Invalid("platform: tab", "$.platform", Min(("platform", Quote(">=1.0.0\t<2.0.0"))));
        Invalid("platform: NUL", "$.platform", Min(("platform", Quote(">=1.0.0\u0000"))));
        foreach (var range in new[] { "latest", ">=1.0.0 <", "1.0.0.0", ">=01.0.0", "^1.x.3", "1.0.0 -", "- 1.0.0", "^1.2 ||", "||", ">2.0.0 <1.0.0", "1 2", "<0.0.0-0" })
        {
            Invalid($"platform: {Shorten(range)}", "$.platform", Min(("platform", Quote(range))), RangeSyntax);
        }

        // contracts.
        Valid("contracts: several", Min(("contracts", "[\"StoragePlugin\",\"CommunicationPlugin\",\"IdentityPlugin\",\"IntegrationPlugin\",\"ProcessingPlugin\"]")));
        Invalid("contracts: empty", "$.contracts", Min(("contracts", "[]")));
        Invalid("contracts: unknown", "$.contracts[1]", Min(("contracts", "[\"StoragePlugin\",\"GodPlugin\"]")));
        Invalid("contracts: wrong case", "$.contracts[0]", Min(("contracts", "[\"storageplugin\"]")));
        Invalid("contracts: duplicate", "$.contracts[1]", Min(("contracts", "[\"StoragePlugin\",\"StoragePlugin\"]")));
        Invalid("contracts: string", "$.contracts", Min(("contracts", "\"StoragePlugin\"")));
        Invalid("contracts: number item", "$.contracts[0]", Min(("contracts", "[1]")));
        Invalid("contracts: missing", "$.contracts", Min(("contracts", null)));
        Invalid("contracts: 6 items", "$.contracts", Min(("contracts", Array(6, i => ManifestVocabulary.Contracts[i % 5]))));

        // traits.
        Valid("traits: other well-formed trait warns", Min(("traits", "[\"caches_results\"]")), warningPath: "$.traits[0]");
        Invalid("traits: empty", "$.traits", Min(("traits", "[]")));
        Invalid("traits: admin reserved", "$.traits[1]", Min(("traits", "[\"stateless\",\"admin\"]")));
        Invalid("traits: root reserved", "$.traits[0]", Min(("traits", "[\"root\"]")));
        Invalid("traits: system reserved", "$.traits[0]", Min(("traits", "[\"system\"]")));
        Invalid("traits: not snake_case (camel)", "$.traits[0]", Min(("traits", "[\"handlesPii\"]")));
        Invalid("traits: not snake_case (double underscore)", "$.traits[0]", Min(("traits", "[\"a__b\"]")));
        Invalid("traits: not snake_case (leading digit)", "$.traits[0]", Min(("traits", "[\"1st\"]")));
        Invalid("traits: not snake_case (trailing underscore)", "$.traits[0]", Min(("traits", "[\"stateless_\"]")));
        Invalid("traits: duplicate", "$.traits[1]", Min(("traits", "[\"stateless\",\"stateless\"]")));
        Invalid("traits: object", "$.traits", Min(("traits", "{\"stateless\":true}")));
        Invalid("traits: missing", "$.traits", Min(("traits", null)));
        Valid("traits: 32", Min(("traits", Array(32, i => $"trait_{i}"))), warningPath: "$.traits[31]");
        Invalid("traits: 33", "$.traits", Min(("traits", Array(33, i => $"trait_{i}"))));
        Invalid("traits: 33 duplicates", "$.traits", Min(("traits", Array(33, _ => "stateless"))));
        Valid("traits: 64 chars", Min(("traits", Array(1, _ => new string('t', 64)))), warningPath: "$.traits[0]");
        Invalid("traits: 65 chars", "$.traits[0]", Min(("traits", Array(1, _ => new string('t', 65)))));

        // security.
        Invalid("security: missing", "$.security", Min(("security", null)));
        Invalid("security: array", "$.security", Min(("security", "[]")));
        Valid("security.authentication_required: true", Min(("security.authentication_required", "true")));
        Invalid("security.authentication_required: false", "$.security.authentication_required", Min(("security.authentication_required", "false")));
        Invalid("security.authentication_required: string", "$.security.authentication_required", Min(("security.authentication_required", "\"true\"")));
        Invalid("security.authentication_required: missing", "$.security.authentication_required", Min(("security.authentication_required", null)));
        Valid("security: unknown property warns", Min(("security.encryption", "\"aes\"")), warningPath: "$.security.encryption");
        Valid("data_classification: several", Min(("security.data_classification", "[\"public\",\"internal\",\"confidential\"]")));
        Invalid("data_classification: empty", "$.security.data_classification", Min(("security.data_classification", "[]")));
        Invalid("data_classification: unknown", "$.security.data_classification[1]", Min(("security.data_classification", "[\"public\",\"secret\"]")));
        Invalid("data_classification: duplicate", "$.security.data_classification[1]", Min(("security.data_classification", "[\"internal\",\"internal\"]")));
        Invalid("data_classification: string", "$.security.data_classification", Min(("security.data_classification", "\"public\"")));
        Invalid("data_classification: missing", "$.security.data_classification", Min(("security.data_classification", null)));
        Invalid("data_classification: 6 items", "$.security.data_classification", Min(("security.data_classification", Array(6, i => ManifestVocabulary.DataClassifications[i % 5]))));

        // Trait rules: handles_pii.
        Valid("handles_pii: with pii and detailed audit", Min(("traits", "[\"handles_pii\"]"), ("security.data_classification", "[\"pii\"]"), ("compliance", "{\"audit_level\":\"detailed\"}")));
        Invalid("handles_pii: without pii", "$.security.data_classification", Min(("traits", "[\"handles_pii\"]"), ("security.data_classification", "[\"internal\"]")));

        // handles_phi.
        Valid("handles_phi: phi, hipaa controls and detailed audit", Min(("traits", "[\"handles_phi\"]"), ("security.data_classification", "[\"phi\"]"), ("compliance", "{\"hipaa_controls\":[\"164.312(b)\"],\"audit_level\":\"detailed\"}")));
        Invalid("handles_phi: without phi", "$.security.data_classification", Full(("security.data_classification", "[\"pii\",\"confidential\"]")));
        Invalid("handles_phi: empty hipaa_controls", "$.compliance.hipaa_controls", Full(("compliance.hipaa_controls", "[]")));
        Invalid("handles_phi: no hipaa_controls", "$.compliance.hipaa_controls", Full(("compliance.hipaa_controls", null)));
        Invalid("handles_phi: no compliance", "$.compliance", Full(("compliance", null)));

        // hipaa_controls: CFR citations.
        foreach (var control in new[] { "164.312(a)", "164.312(a)(1)", "164.312(a)(2)(iv)", "164.308(a)(1)(ii)", "164.312(e)(2)(ix)", "164.316(b)(2)(xiv)" })
        {
            Valid($"hipaa_controls: {control}", Full(("compliance.hipaa_controls", $"[\"{control}\"]")));
        }

        foreach (var control in new[]
        {
            "164.312", "164.312()", "164.312(A)", "164.312(ab)", "164.312(a)(0)", "164.312(a)(02)", "164.312(a)(iv)",
            "164.312(a)(2)(IV)", "164.312(a)(2)(iiii)", "164.312(a)(2)(vx)", "164.312(a)(2)()", "164.312 (a)", "45 CFR 164.312(a)",
            "16.312(a)", "164.3121(a)", "\u0661\u0666\u0664.312(a)", "164.312(a)\n", "164.312(a)(2)(iv)(A)",
        })
        {
            Invalid($"hipaa_controls: {control.Replace("\n", "\\n", StringComparison.Ordinal)}", "$.compliance.hipaa_controls[0]", Full(("compliance.hipaa_controls", $"[{Quote(control)}]")));
        }

        Invalid("hipaa_controls: duplicate", "$.compliance.hipaa_controls[1]", Full(("compliance.hipaa_controls", "[\"164.312(a)\",\"164.312(a)\"]")));
        Invalid("hipaa_controls: string", "$.compliance.hipaa_controls", Full(("compliance.hipaa_controls", "\"164.312(a)\"")));
        Valid("hipaa_controls: allowed without handles_phi", Min(("compliance", "{\"hipaa_controls\":[\"164.312(b)\"]}")));
        Valid("hipaa_controls: 64", Full(("compliance.hipaa_controls", Array(64, i => $"164.{300 + i}(a)"))));
        Invalid("hipaa_controls: 65", "$.compliance.hipaa_controls", Full(("compliance.hipaa_controls", Array(65, i => $"164.{300 + i}(a)"))));
        Invalid("hipaa_controls: 33 chars", "$.compliance.hipaa_controls[0]", Full(("compliance.hipaa_controls", Array(1, _ => "164.312(a)(" + new string('1', 21) + ")"))));

        // pii/phi data need compliance with audit_level detailed|complete.
        Valid("pii data: complete audit", Min(("security.data_classification", "[\"pii\"]"), ("compliance", "{\"audit_level\":\"complete\"}")));
        Invalid("pii data: no compliance", "$.compliance", Min(("security.data_classification", "[\"pii\"]")));
        Invalid("pii data: no audit_level", "$.compliance.audit_level", Min(("security.data_classification", "[\"pii\"]"), ("compliance", "{}")));
        Invalid("pii data: basic audit", "$.compliance.audit_level", Min(("security.data_classification", "[\"pii\"]"), ("compliance", "{\"audit_level\":\"basic\"}")));
        Invalid("phi data: none audit", "$.compliance.audit_level", Min(("security.data_classification", "[\"phi\"]"), ("compliance", "{\"audit_level\":\"none\"}")));
        Valid("phi data: detailed audit", Full(("compliance.audit_level", "\"detailed\"")));

        // audit_level and compliance shape.
        Valid("audit_level: none without sensitive data", Min(("compliance", "{\"audit_level\":\"none\"}")));
        Invalid("audit_level: unknown", "$.compliance.audit_level", Min(("compliance", "{\"audit_level\":\"verbose\"}")));
        Invalid("audit_level: number", "$.compliance.audit_level", Min(("compliance", "{\"audit_level\":3}")));
        Invalid("compliance: string", "$.compliance", Min(("compliance", "\"hipaa\"")));
        Valid("compliance: unknown property warns", Min(("compliance", "{\"retention_days\":30}")), warningPath: "$.compliance.retention_days");

        // audit_required (our decision: audit_level other than none).
        Valid("audit_required: basic audit", Min(("traits", "[\"audit_required\"]"), ("compliance", "{\"audit_level\":\"basic\"}")));
        Invalid("audit_required: no compliance", "$.compliance", Min(("traits", "[\"audit_required\"]")));
        Invalid("audit_required: none audit", "$.compliance.audit_level", Min(("traits", "[\"audit_required\"]"), ("compliance", "{\"audit_level\":\"none\"}")));
        Invalid("audit_required: no audit_level", "$.compliance.audit_level", Min(("traits", "[\"audit_required\"]"), ("compliance", "{}")));

        // external_service.
        Valid("external_service: with a domain", Min(("traits", "[\"external_service\"]"), ("allowed_domains", "[\"api.example.com\"]")));
        Invalid("external_service: no allowed_domains", "$.allowed_domains", Min(("traits", "[\"external_service\"]")));
        Invalid("external_service: empty allowed_domains", "$.allowed_domains", Min(("traits", "[\"external_service\"]"), ("allowed_domains", "[]")));
        Valid("allowed_domains: without external_service warns", Min(("allowed_domains", "[\"api.example.com\"]")), warningPath: "$.allowed_domains");

        // allowed_domains entries.
        foreach (var domain in new[]
        {
            "api.example.com", "*.example.com", "API.Example.COM", "xn--bcher-kva.example", "a-b.example.co.uk", "123.example.com",
            "0x7f.example.com", "localhost.example.com", "local.example.com", "example.localhost.com",
            new string('a', 63) + ".example.com",
            string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61),
        })
        {
            Valid($"allowed_domains: {Shorten(domain)}", Full(("allowed_domains", $"[{Quote(domain)}]")));
        }

        foreach (var domain in new[]
        {
            "", "https://api.example.com", "api.example.com:443", "api.example.com/path", "api..example.com", ".example.com",
            "example.com.", "-api.example.com", "api-.example.com", "api_x.example.com", "exa mple.com", " example.com",
            "example.com\n", "bücher.example", new string('a', 64) + ".example.com",
            string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 62),
            "localhost", "LOCALHOST", "foo.localhost", "printer.local", "db.internal", "metadata.google.internal", "*.local",
            "example", "*.com", "*", "*.", "api.*.example.com", "*example.com", "**.example.com",
            "127.0.0.1", "10.0.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "127.1", "0x7f.1", "1.2.3.0x",
            "[::1]", "::1", "fe80::1", "[2001:db8::1]:443", "::ffff:127.0.0.1",
        })
        {
            Invalid($"allowed_domains: {Shorten(domain)}", "$.allowed_domains[0]", Full(("allowed_domains", $"[{Quote(domain)}]")));
        }

        Invalid("allowed_domains: duplicate", "$.allowed_domains[1]", Full(("allowed_domains", "[\"api.example.com\",\"api.example.com\"]")));
        Invalid("allowed_domains: duplicate in another case", "$.allowed_domains[1]", Full(("allowed_domains", "[\"api.example.com\",\"API.example.com\"]")), CaseInsensitiveUnique);
        Invalid("allowed_domains: number item", "$.allowed_domains[0]", Full(("allowed_domains", "[1]")));
        Invalid("allowed_domains: string", "$.allowed_domains", Full(("allowed_domains", "\"api.example.com\"")));
        Valid("allowed_domains: 32", Full(("allowed_domains", Array(32, i => $"api{i}.example.com"))));
        Invalid("allowed_domains: 33", "$.allowed_domains", Full(("allowed_domains", Array(33, i => $"api{i}.example.com"))));

        // dependencies.
        Valid("dependencies: empty", Full(("dependencies", "[]")));
        Valid("dependencies: several", Full(("dependencies", "[\"user-management\",\"billing\"]")));
        Invalid("dependencies: bad id", "$.dependencies[1]", Full(("dependencies", "[\"user-management\",\"Billing_2\"]")));
        Invalid("dependencies: self", "$.dependencies[0]", Full(("dependencies", "[\"claims-gateway\"]")), SelfReference);
        Invalid("dependencies: duplicate", "$.dependencies[1]", Full(("dependencies", "[\"billing\",\"billing\"]")));
        Invalid("dependencies: number item", "$.dependencies[0]", Full(("dependencies", "[3]")));
        Invalid("dependencies: string", "$.dependencies", Full(("dependencies", "\"billing\"")));
        Valid("dependencies: 32", Full(("dependencies", Array(32, i => $"dep-{i}"))));
        Invalid("dependencies: 33", "$.dependencies", Full(("dependencies", Array(33, i => $"dep-{i}"))));
        Invalid("dependencies: NUL", "$.dependencies[0]", Full(("dependencies", "[\"billing\\u0000\"]")));

        // endpoints.
        Valid("endpoints: root path", Full(("endpoints", "{\"home\":\"/\"}")));
        Valid("endpoints: route template and odd name", Full(("endpoints", "{\"user info\":\"/api/users/{id}\",\"it's\":\"/a..b/...\"}")));
        Valid("endpoints: empty object", Full(("endpoints", "{}")));
        foreach (var path in new[] { "health", "", "//evil.example.com/x", "/a/../b", "/..", "/a/..", "/a/%2e%2e/b", "/a/%2E./b", "/a?x=1", "/a#top", "/a b", "/a\tb", "/a\n" })
        {
            Invalid($"endpoints: {Quote(path)}", "$.endpoints.health", Full(("endpoints", $"{{\"health\":{Quote(path)}}}")));
        }

        // endpoints: methods and templates (issue 10 section 2).
        foreach (var value in new[]
        {
            "GET /api/users/{id}", "GET,POST /api/users", "DELETE,PUT,PATCH,HEAD,OPTIONS /a", "POST /fabrix.samples.users.v1.UserDirectory/GetUser",
            "/api/users/{id}/orders/{orderId}", "/a/{_x1}", "/a-b.c_d~e!f$g&h'i(j)k*l+m,n=o:p@q", "/api/v1.2/x", "GET /",
        })
        {
            Valid($"endpoints: {Quote(value)}", Full(("endpoints", $"{{\"e\":{Quote(value)}}}")));
        }

        foreach (var value in new[]
        {
            "get /a", "Get /a", "GET,GET /a", "POST,GET,POST /a", "TRACE /a", "CONNECT /a", "FETCH /a", "GET, POST /a", "GET,,POST /a",
            ",GET /a", "GET, /a", "GET  /a", " /a", "GET", "GET /a b", "/a/", "/a//b", "/a/./b", "/a/.", "/.", "/a/{id}/{id}",
            "/a/{}", "/a/{1x}", "/a/{id", "/a/id}", "/a/x{id}", "/a/{id}x", "/a/{*rest}", "/a/{**rest}", "/a/{i-d}", "/a;v=1",
            "/a/b;c", "/a%2Fb", "/caf%C3%A9", "/a\\b", "/caf\u00e9", "/a/\"q\"", "/a/<b>", "/a|b", "/a^b", "/a`b",
        })
        {
            Invalid($"endpoints: {Quote(value)}", "$.endpoints.e", Full(("endpoints", $"{{\"e\":{Quote(value)}}}")));
        }

        Invalid("endpoints: odd name, bad path", "$.endpoints['user info']", Full(("endpoints", "{\"user info\":\"users\"}")));
        Invalid("endpoints: quote in name, bad path", "$.endpoints['it\\'s']", Full(("endpoints", "{\"it's\":\"x\"}")));
        Invalid("endpoints: empty name", "$.endpoints['']", Full(("endpoints", "{\"\":\"/x\"}")));
        Invalid("endpoints: number path", "$.endpoints.health", Full(("endpoints", "{\"health\":5}")));
        Invalid("endpoints: array", "$.endpoints", Full(("endpoints", "[\"/health\"]")));
        Valid("endpoints: 64", Full(("endpoints", Endpoints(64))));
        Invalid("endpoints: 65", "$.endpoints", Full(("endpoints", Endpoints(65))));
        Valid("endpoints: name of 64 chars", Full(("endpoints", $"{{{Quote(new string('e', 64))}:\"/x\"}}")));
        Invalid("endpoints: name of 65 chars", $"$.endpoints.{new string('e', 65)}", Full(("endpoints", $"{{{Quote(new string('e', 65))}:\"/x\"}}")));
        Invalid("endpoints: control character in a name", "$.endpoints", Full(("endpoints", "{\"a\\u0001\":\"/x\"}")));
        Valid("endpoints: path of 512 chars", Full(("endpoints", $"{{\"health\":{Quote("/" + new string('p', 511))}}}")));
        Invalid("endpoints: path of 513 chars", "$.endpoints.health", Full(("endpoints", $"{{\"health\":{Quote("/" + new string('p', 512))}}}")));

        // health_check.
        Valid("health_check: grpc without path", Full(("health_check", "{\"type\":\"grpc\",\"port\":5001}")));
        Valid("health_check: port bounds", Full(("health_check", "{\"type\":\"grpc\",\"port\":65535,\"path\":\"/grpc.health.v1.Health/Check\"}")));
        Valid("health_check: port 1", Full(("health_check.port", "1")));
        Valid("health_check: unknown property warns", Full(("health_check.interval", "\"10s\"")), warningPath: "$.health_check.interval");
        Invalid("health_check: http without path", "$.health_check.path", Full(("health_check.path", null)));
        Invalid("health_check: relative path", "$.health_check.path", Full(("health_check.path", "\"health\"")));
        Invalid("health_check: path with query", "$.health_check.path", Full(("health_check.path", "\"/health?full=1\"")));
        Invalid("health_check: type tcp", "$.health_check.type", Full(("health_check.type", "\"tcp\"")));
        Invalid("health_check: type missing", "$.health_check.type", Full(("health_check.type", null)));
        Invalid("health_check: port 0", "$.health_check.port", Full(("health_check.port", "0")));
        Invalid("health_check: port 65536", "$.health_check.port", Full(("health_check.port", "65536")));
        Invalid("health_check: port negative", "$.health_check.port", Full(("health_check.port", "-1")));
        Invalid("health_check: port fraction", "$.health_check.port", Full(("health_check.port", "80.5")));
        Invalid("health_check: port 8080.0", "$.health_check.port", Full(("health_check.port", "8080.0")));
        Invalid("health_check: port exponent", "$.health_check.port", Full(("health_check.port", "8e3")));
        Invalid("health_check: port 1e400", "$.health_check.port", Full(("health_check.port", "1e400")));
        Invalid("health_check: port beyond 64 bits", "$.health_check.port", Full(("health_check.port", "99999999999999999999999999")), HugeInteger);
        Invalid("health_check: port string", "$.health_check.port", Full(("health_check.port", "\"8080\"")));
        Invalid("health_check: port missing", "$.health_check.port", Full(("health_check.port", null)));
        Invalid("health_check: string", "$.health_check", Full(("health_check", "\"http://localhost/health\"")));
        Valid("health_check: path of 512 chars", Full(("health_check.path", Quote("/" + new string('h', 511)))));
        Invalid("health_check: path of 513 chars", "$.health_check.path", Full(("health_check.path", Quote("/" + new string('h', 512)))));

        // resources.
        Valid("resources: lower bounds", Full(("resources", "{\"memory_limit\":64,\"cpu_limit\":0.1}")));
        Valid("resources: upper bounds", Full(("resources", "{\"memory_limit\":8192,\"cpu_limit\":8.0}")));
        Valid("resources: fractional memory", Full(("resources", "{\"memory_limit\":256.5}")));
        Valid("resources: empty", Full(("resources", "{}")));
        Valid("resources: unknown property warns", Full(("resources.gpu", "1")), warningPath: "$.resources.gpu");
        Invalid("resources: memory 63", "$.resources.memory_limit", Full(("resources.memory_limit", "63")));
        Invalid("resources: memory 8193", "$.resources.memory_limit", Full(("resources.memory_limit", "8193")));
        Invalid("resources: memory string", "$.resources.memory_limit", Full(("resources.memory_limit", "\"512\"")));
        Invalid("resources: memory 1e400", "$.resources.memory_limit", Full(("resources.memory_limit", "1e400")));
        Invalid("resources: cpu 0.09", "$.resources.cpu_limit", Full(("resources.cpu_limit", "0.09")));
        Invalid("resources: cpu 0", "$.resources.cpu_limit", Full(("resources.cpu_limit", "0")));
        Invalid("resources: cpu 8.01", "$.resources.cpu_limit", Full(("resources.cpu_limit", "8.01")));
        Invalid("resources: cpu null", "$.resources.cpu_limit", Full(("resources.cpu_limit", "null")));
        Invalid("resources: cpu boolean", "$.resources.cpu_limit", Full(("resources.cpu_limit", "true")));
        Invalid("resources: array", "$.resources", Full(("resources", "[512]")));

        // events (issue 11 section 1): canonical type names, distinct, pii types need handles_pii, core-only types not published.
        const string PiiSecurity = "{\"authentication_required\":true,\"data_classification\":[\"pii\"]}";
        Valid("events: publishes and subscribes", Min(("traits", "[\"handles_pii\"]"), ("security", PiiSecurity), ("compliance", "{\"audit_level\":\"detailed\"}"), ("events", "{\"publishes\":[\"UserCreated\"],\"subscribes\":[\"PaymentReceived\",\"PluginLifecycleChanged\"]}")));
        Valid("events: empty object", Min(("events", "{}")));
        Valid("events: non-pii type without trait", Min(("events", "{\"publishes\":[\"DocumentProcessed\"],\"subscribes\":[\"UserDeleted\"]}")));
        Invalid("events: not an object", "$.events", Min(("events", "[\"UserCreated\"]")));
        Invalid("events: publishes not an array", "$.events.publishes", Min(("events", "{\"publishes\":\"UserDeleted\"}")));
        Invalid("events: unknown type", "$.events.subscribes[0]", Min(("events", "{\"subscribes\":[\"UserExploded\"]}")));
        Invalid("events: full type name", "$.events.subscribes[0]", Min(("events", "{\"subscribes\":[\"fabrix.canonical.v1.UserDeleted\"]}")));
        Invalid("events: duplicate type", "$.events.subscribes[1]", Min(("events", "{\"subscribes\":[\"UserDeleted\",\"UserDeleted\"]}")));
        Invalid("events: pii type published without handles_pii", "$.events.publishes[0]", Min(("events", "{\"publishes\":[\"UserCreated\"]}")));
        Invalid("events: pii type received without handles_pii", "$.events.subscribes[0]", Min(("events", "{\"subscribes\":[\"PaymentReceived\"]}")));
        Invalid("events: core-only type published", "$.events.publishes[0]", Min(("events", "{\"publishes\":[\"PluginHealthChanged\"]}")));
        Invalid("events: too many types", "$.events.subscribes", Min(("events", "{\"subscribes\":[" + string.Join(",", Enumerable.Repeat("\"UserDeleted\"", 33)) + "]}")));
        // events.delivery and events.push_path (issue 11 section 3): push needs a path, a path needs push.
        Valid("events: push delivery with a path", Min(("events", "{\"subscribes\":[\"UserDeleted\"],\"delivery\":\"push\",\"push_path\":\"/fabrix/events\"}")));
        Valid("events: stream delivery named", Min(("events", "{\"subscribes\":[\"UserDeleted\"],\"delivery\":\"stream\"}")));
        Invalid("events: unknown delivery", "$.events.delivery", Min(("events", "{\"delivery\":\"webhook\"}")));
        Invalid("events: delivery not a string", "$.events.delivery", Min(("events", "{\"delivery\":true}")));
        Invalid("events: push without a path", "$.events.push_path", Min(("events", "{\"subscribes\":[\"UserDeleted\"],\"delivery\":\"push\"}")));
        Invalid("events: path without push", "$.events.push_path", Min(("events", "{\"subscribes\":[\"UserDeleted\"],\"push_path\":\"/fabrix/events\"}")));
        Invalid("events: path with stream", "$.events.push_path", Min(("events", "{\"delivery\":\"stream\",\"push_path\":\"/fabrix/events\"}")));
        Invalid("events: relative push path", "$.events.push_path", Min(("events", "{\"delivery\":\"push\",\"push_path\":\"fabrix/events\"}")));
        Invalid("events: push path to another host", "$.events.push_path", Min(("events", "{\"delivery\":\"push\",\"push_path\":\"//evil.example/x\"}")));
        Invalid("events: push path with dot-dot", "$.events.push_path", Min(("events", "{\"delivery\":\"push\",\"push_path\":\"/a/%2e%2e/b\"}")));
        Invalid("events: push path with a query", "$.events.push_path", Min(("events", "{\"delivery\":\"push\",\"push_path\":\"/events?x=1\"}")));

        return cases;
    }

    /// <summary>Characters refused in display text, each with a label (issue 7 section 4).</summary>
    private static (string Label, string Character)[] HiddenCharacters =>
    [
        ("NUL", "\u0000"), ("tab", "\t"), ("newline", "\n"), ("DEL", "\u007F"), ("C1 control U+0085", "\u0085"),
        ("RLO U+202E", "\u202E"), ("LRO U+202D", "\u202D"), ("RLE U+202B", "\u202B"), ("PDF U+202C", "\u202C"),
        ("RLI U+2067", "\u2067"), ("LRI U+2066", "\u2066"), ("PDI U+2069", "\u2069"), ("RLM U+200F", "\u200F"),
        ("LRM U+200E", "\u200E"), ("ALM U+061C", "\u061C"), ("zero-width space U+200B", "\u200B"),
        ("ZWNJ U+200C", "\u200C"), ("ZWJ U+200D", "\u200D"), ("word joiner U+2060", "\u2060"),
        ("invisible times U+2062", "\u2062"), ("BOM U+FEFF", "\uFEFF"), ("soft hyphen U+00AD", "\u00AD"),
        ("combining grapheme joiner U+034F", "\u034F"), ("Hangul filler U+3164", "\u3164"),
        ("variation selector U+FE0F", "\uFE0F"), ("variation selector U+E0100", "\U000E0100"),
        ("tag character U+E0041", "\U000E0041"), ("line separator U+2028", "\u2028"), ("Mongolian selector U+180B", "\u180B"),
    ];

    private static string Array(int count, Func<int, string> item) => "[" + string.Join(",", Enumerable.Range(0, count).Select(i => Quote(item(i)))) + "]";

    private static string Endpoints(int count) => "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"e{i}\":\"/e/{i}\"")) + "}";

    /// <summary>The minimal manifest with an unknown <c>x_padding</c> string that makes it exactly <paramref name="bytes"/> bytes of UTF-8.</summary>
    private static string Padded(int bytes, char filler)
    {
        var bare = Edit(Echo, ("x_padding", "\"\""));
        var missing = bytes - System.Text.Encoding.UTF8.GetByteCount(bare);
        var per = System.Text.Encoding.UTF8.GetByteCount(filler.ToString());
        var padding = new string(filler, missing / per) + new string('x', missing % per);
        return bare.Replace("\"x_padding\": \"\"", $"\"x_padding\": \"{padding}\"", StringComparison.Ordinal);
    }

    private static string Shorten(string value)
    {
        var printable = value.Replace("\n", "\\n", StringComparison.Ordinal);
        return printable.Length > 40 ? $"{printable[..20]}...({printable.Length} chars)" : $"'{printable}'";
    }
}
