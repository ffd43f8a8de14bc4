using System.Collections.Concurrent;

namespace Fabrix.Plugins.Samples.Hr.Employees;

/// <summary>What adding an employee did.</summary>
internal enum EmployeeWrite
{
    Added,
    AlreadyThere,
    Conflict,
}

/// <summary>
/// HR's employees, in memory: the sample is about the event it publishes, not about HR's storage (a real HR system keeps
/// them in its own database). Adding the same employee again is not an error, so a caller whose publish failed can
/// simply repeat the request: the event's idempotency key (the user id) makes the repeat publish nothing new.
/// </summary>
internal sealed class EmployeeStore(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Employee> _employees = new(StringComparer.Ordinal);

    public (EmployeeWrite Outcome, Employee Employee) Add(string id, string displayName, string email, string department)
    {
        var candidate = new Employee(id, displayName, email, department, timeProvider.GetUtcNow());
        var stored = _employees.GetOrAdd(id, candidate);
        if (ReferenceEquals(stored, candidate))
        {
            return (EmployeeWrite.Added, stored);
        }

        return stored.DisplayName == displayName && stored.Email == email && stored.Department == department
            ? (EmployeeWrite.AlreadyThere, stored)
            : (EmployeeWrite.Conflict, stored);
    }
}
