namespace InferencePlanner.Core.Scenarios;

/// <summary>One problem with a scenario: the field, as a JSON path, and the reason.</summary>
public sealed record ScenarioError(string Path, string Reason)
{
    public override string ToString() => $"{Path}: {Reason}";
}

/// <summary>A scenario that cannot be run, with every problem found.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(IReadOnlyList<ScenarioError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    public ScenarioException(string path, string reason)
        : this([new ScenarioError(path, reason)])
    {
    }

    public ScenarioException()
        : this("$", "invalid scenario")
    {
    }

    public ScenarioException(string message)
        : this("$", message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ScenarioError("$", message)];
    }

    public IReadOnlyList<ScenarioError> Errors { get; }

    private static string Describe(IReadOnlyList<ScenarioError> errors) =>
        errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} problems: " + string.Join("; ", errors);
}
