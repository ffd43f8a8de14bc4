namespace Fabrix.AdminConsole;

/// <summary>
/// Marker for <c>WebApplicationFactory&lt;AdminConsoleApp&gt;</c>: several web apps referenced by one test project
/// make the implicit <c>Program</c> ambiguous (STACK.md "Pitfalls already met").
/// </summary>
public sealed class AdminConsoleApp;
