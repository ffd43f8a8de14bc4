namespace Fabrix.Core.Events.Control;

/// <summary>A control request Core.Events refuses: answered with the refusal code and reason as reply headers.</summary>
internal sealed class ControlRefusal(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public static ControlRefusal Invalid(string message) => new(RefusalCodes.InvalidArgument, message);
}
