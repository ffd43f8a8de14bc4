using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>
/// Rules for profile bodies. Every broken rule is reported at once, keyed by the JSON field name
/// (<c>attributes.&lt;key&gt;</c> for one attribute), as ValidationProblem <c>errors</c>.
/// </summary>
internal static partial class UserProfileValidation
{
    public const int MaxIdLength = 64;
    public const int MaxDisplayNameLength = 200;
    public const int MaxEmailLength = 254; // RFC 5321 path limit
    public const int MaxDepartmentLength = 100;
    public const int MaxAttributes = 50;
    public const int MaxAttributeValueLength = 1024;

    /// <summary>Validates a create request; returns the id and fields when valid.</summary>
    public static (string Id, UserProfileFields Fields)? Validate(CreateUserProfileRequest request, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var id = request.Id?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            Add(errors, "id", "id is required.");
        }
        else if (!IsUserId(id))
        {
            Add(errors, "id", $"id must be 1–{MaxIdLength} letters, digits, '.', '_', '-' or '@', starting with a letter or digit.");
        }

        var fields = ValidateFields(request.DisplayName, request.Email, request.Department, request.Manager, request.Attributes, id, errors);
        return errors.Count == 0 ? (id!, fields!) : null;
    }

    /// <summary>Validates an update request for the profile <paramref name="id"/>.</summary>
    public static UserProfileFields? Validate(string id, UpdateUserProfileRequest request, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var fields = ValidateFields(request.DisplayName, request.Email, request.Department, request.Manager, request.Attributes, id, errors);
        return errors.Count == 0 ? fields : null;
    }

    public static bool IsUserId(string value) => value.Length <= MaxIdLength && UserIdPattern().IsMatch(value);

    private static UserProfileFields? ValidateFields(
        string? displayName, string? email, string? department, string? manager, Dictionary<string, string?>? attributes,
        string? ownId, Dictionary<string, string[]> errors)
    {
        displayName = displayName?.Trim();
        if (string.IsNullOrEmpty(displayName))
        {
            Add(errors, "display_name", "display_name is required.");
        }
        else if (displayName.Length > MaxDisplayNameLength || displayName.Any(char.IsControl))
        {
            Add(errors, "display_name", $"display_name must be at most {MaxDisplayNameLength} characters without control characters.");
        }

        email = email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            Add(errors, "email", "email is required.");
        }
        else if (!IsEmail(email))
        {
            Add(errors, "email", $"email must be a plain address such as jane.doe@example.com (at most {MaxEmailLength} characters).");
        }

        department = string.IsNullOrWhiteSpace(department) ? null : department.Trim();
        if (department is not null && (department.Length > MaxDepartmentLength || department.Any(char.IsControl)))
        {
            Add(errors, "department", $"department must be at most {MaxDepartmentLength} characters without control characters.");
        }

        manager = string.IsNullOrWhiteSpace(manager) ? null : manager.Trim();
        if (manager is not null && !IsUserId(manager))
        {
            Add(errors, "manager", "manager must be a user id (the same format as id).");
        }
        else if (manager is not null && string.Equals(manager, ownId, StringComparison.Ordinal))
        {
            Add(errors, "manager", "A user cannot be their own manager.");
        }

        var cleanAttributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (attributes is not null)
        {
            if (attributes.Count > MaxAttributes)
            {
                Add(errors, "attributes", $"At most {MaxAttributes} attributes are allowed.");
            }

            foreach (var (key, value) in attributes)
            {
                if (!AttributeKeyPattern().IsMatch(key))
                {
                    Add(errors, $"attributes.{key}", "Attribute names are snake_case: a lower-case letter, then lower-case letters, digits or '_' (at most 64).");
                }
                else if (value is null)
                {
                    Add(errors, $"attributes.{key}", "Attribute values must be strings, not null.");
                }
                else if (value.Length > MaxAttributeValueLength)
                {
                    Add(errors, $"attributes.{key}", $"Attribute values must be at most {MaxAttributeValueLength} characters.");
                }
                else
                {
                    cleanAttributes[key] = value;
                }
            }
        }

        return errors.Count == 0 ? new UserProfileFields(displayName!, email!, department, manager, cleanAttributes) : null;
    }

    private static bool IsEmail(string value) =>
        value.Length <= MaxEmailLength
        && !value.Any(char.IsWhiteSpace)
        && MailAddress.TryCreate(value, out var address)
        && string.Equals(address.Address, value, StringComparison.Ordinal)
        && address.Host.Contains('.', StringComparison.Ordinal);

    private static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex AttributeKeyPattern();
}
