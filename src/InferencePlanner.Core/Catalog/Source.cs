namespace InferencePlanner.Core.Catalog;

/// <summary>Where catalog values come from: a citation and the date of what it states.</summary>
public sealed record Source(string Citation, string Date);
