namespace Fabrix.Cli.Tests;

/// <summary>Manifest texts for the CLI tests.</summary>
internal static class Manifests
{
    /// <summary>Seed 004's example (user-management).</summary>
    public const string UserManagement = """
        {
          "id": "user-management",
          "name": "User Management Plugin",
          "version": "1.0.0",
          "description": "Manages user profiles and extended attributes",
          "contracts": ["IdentityPlugin"],
          "traits": ["handles_pii", "audit_required"],
          "dependencies": [],
          "allowed_domains": [],
          "endpoints": { "health": "/health", "user_info": "/api/users/{id}" },
          "security": { "authentication_required": true, "data_classification": ["pii", "internal"] },
          "compliance": { "hipaa_controls": ["164.312(a)", "164.312(d)"], "audit_level": "detailed" }
        }
        """;

    /// <summary>Valid, with one warning (a trait without platform rule).</summary>
    public const string Echo = """
        {
          "id": "echo", "name": "Echo", "version": "0.1.0", "contracts": ["ProcessingPlugin"], "traits": ["stateless"],
          "security": { "authentication_required": true, "data_classification": ["public"] }
        }
        """;

    /// <summary>Invalid at $.security.data_classification[1] and $.version.</summary>
    public const string Invalid = """
        {
          "id": "echo", "name": "Echo", "version": "1.0", "contracts": ["ProcessingPlugin"], "traits": ["stateless"],
          "security": { "authentication_required": true, "data_classification": ["public", "secret"] }
        }
        """;
}
