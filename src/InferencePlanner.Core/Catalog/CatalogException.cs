namespace InferencePlanner.Core.Catalog;

/// <summary>
/// A catalog file that cannot be used. Names the file, the entry (its id, or its index) and the field,
/// so that whoever edits the data can go straight to the fault.
/// </summary>
public sealed class CatalogException : Exception
{
    public CatalogException(string file, string entry, string field, string reason)
        : base($"{file}: {entry}: field '{field}': {reason}")
    {
        File = file;
        Entry = entry;
        Field = field;
        Reason = reason;
    }

    public CatalogException()
        : this("?", "?", "?", "invalid catalog")
    {
    }

    public CatalogException(string message)
        : base(message)
    {
        File = Entry = Field = "?";
        Reason = message;
    }

    public CatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = Entry = Field = "?";
        Reason = message;
    }

    public string File { get; } = "?";
    public string Entry { get; } = "?";
    public string Field { get; } = "?";
    public string Reason { get; } = "?";
}
