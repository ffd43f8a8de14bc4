using Fabrix.Contracts.Canonical.V1;
using Fabrix.Plugins.Sdk;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.Plugins.Samples.Hr.Employees;

/// <summary>
/// <c>POST /api/users</c> (seed 004): stores the employee, then publishes <c>UserCreated</c> through Core.Events with the
/// user id as the idempotency key. 201 <see cref="EmployeeAdded"/> for a new employee; 200 for a repeat of the same
/// employee (the publish is repeated too, and Core.Events answers with the first event's id); 400 ValidationProblem with
/// field paths; 409 when the id exists with other data; 503 when the event could not be published (the employee is
/// kept: repeat the request).
/// </summary>
internal static class EmployeeEndpoints
{
    public static RouteGroupBuilder MapEmployeeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var users = endpoints.MapGroup("/api/users").WithTags("Employees");
        users.MapPost("/", AddAsync).WithName("AddEmployee");
        return users;
    }

    private static async Task<Results<Created<EmployeeAdded>, Ok<EmployeeAdded>, ValidationProblem, ProblemHttpResult>> AddAsync(NewEmployee request,
        EmployeeStore store, IEventPublisher events, CancellationToken cancellationToken)
    {
        if (Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (outcome, employee) = store.Add(request.Id!, request.DisplayName!.Trim(), request.Email?.Trim() ?? string.Empty, request.Department?.Trim() ?? string.Empty);
        if (outcome == EmployeeWrite.Conflict)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another employee has this id", detail: $"'{employee.Id}' exists with other data.");
        }

        PublishedEvent published;
        try
        {
            published = await events.PublishAsync(new UserCreated
            {
                UserId = employee.Id,
                DisplayName = employee.DisplayName,
                Email = employee.Email,
                Department = employee.Department,
                CreatedAt = Timestamp.FromDateTimeOffset(employee.CreatedAt),
            }, idempotencyKey: employee.Id, cancellationToken);
        }
        catch (Exception exception) when (exception is EventRefusedException or FabrixNotRegisteredException or Grpc.Core.RpcException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The employee is stored but UserCreated was not published",
                detail: $"{exception.Message} Repeat the same request to publish it.",
                extensions: new Dictionary<string, object?> { ["code"] = exception is EventRefusedException refused ? refused.ReasonCode : "EVENTS_UNAVAILABLE" });
        }

        var added = new EmployeeAdded(employee, published.EventId);
        return outcome == EmployeeWrite.Added ? TypedResults.Created($"/api/users/{employee.Id}", added) : TypedResults.Ok(added);
    }

    private static Dictionary<string, string[]> Validate(NewEmployee request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(request.Id) || request.Id.Length > 128 || !request.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors["id"] = ["Required: 1-128 characters of letters, digits, '-', '_' or '.'."];
        }

        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 200)
        {
            errors["display_name"] = ["Required: 1-200 characters."];
        }

        if (request.Email is { Length: > 0 } email && (email.Length > 254 || email.Count(c => c == '@') != 1 || email.StartsWith('@') || email.EndsWith('@')))
        {
            errors["email"] = ["An address with one '@', at most 254 characters."];
        }

        if (request.Department is { Length: > 200 })
        {
            errors["department"] = ["At most 200 characters."];
        }

        return errors;
    }
}
