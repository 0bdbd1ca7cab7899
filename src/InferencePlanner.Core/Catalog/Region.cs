namespace InferencePlanner.Core.Catalog;

/// <summary>Where power is drawn: a cloud region or a country grid.</summary>
public sealed record Region
{
    public required string Id { get; init; }

    /// <summary><c>aws</c>, <c>gcp</c>, <c>azure</c> or <c>grid</c> (a country average).</summary>
    public required string Provider { get; init; }

    public required string Name { get; init; }
    public string? Country { get; init; }

    /// <summary>Grid carbon intensity, g CO2e per kWh.</summary>
    public required Fact GridGramsCo2PerKwh { get; init; }

    /// <summary>Power usage effectiveness (facility energy / IT energy).</summary>
    public required Fact Pue { get; init; }

    public required Fact ElectricityUsdPerKwh { get; init; }
}
