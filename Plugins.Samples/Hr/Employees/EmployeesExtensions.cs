using System.Text.Json.Serialization;

namespace Fabrix.Plugins.Samples.Hr.Employees;

/// <summary>The employees feature: <c>POST /api/users</c>, which stores the employee and publishes <c>UserCreated</c>.</summary>
internal static class EmployeesExtensions
{
    public static WebApplicationBuilder AddEmployees(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<EmployeeStore>();
        builder.Services.ConfigureHttpJsonOptions(static options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, EmployeesJsonContext.Default));
        return builder;
    }

    public static WebApplication MapEmployees(this WebApplication app)
    {
        app.MapEmployeeEndpoints();
        return app;
    }
}

/// <summary>What a caller sends to add an employee.</summary>
/// <param name="Id">The user id, 1–128 characters of letters, digits, <c>-</c>, <c>_</c>, <c>.</c>.</param>
/// <param name="DisplayName">1–200 characters.</param>
/// <param name="Email">An address with one <c>@</c>, at most 254 characters, or absent.</param>
/// <param name="Department">At most 200 characters, or absent.</param>
internal sealed record NewEmployee(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("department")] string? Department);

/// <summary>An employee as HR keeps it.</summary>
internal sealed record Employee(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("department")] string Department,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

/// <summary>The answer: the employee and the id of the <c>UserCreated</c> event that announced it.</summary>
internal sealed record EmployeeAdded(
    [property: JsonPropertyName("employee")] Employee Employee,
    [property: JsonPropertyName("event_id")] string EventId);

[JsonSerializable(typeof(NewEmployee))]
[JsonSerializable(typeof(EmployeeAdded))]
internal sealed partial class EmployeesJsonContext : JsonSerializerContext;
