using System.Globalization;
using InferencePlanner.Core.Catalog;

namespace InferencePlanner.Web.Components.Shared;

/// <summary>How catalog facts read on screen.</summary>
internal static class CatalogText
{
    public static string Number(double value) =>
        value >= 100 ? value.ToString("#,0.#", CultureInfo.InvariantCulture)
        : value >= 1 ? value.ToString("0.##", CultureInfo.InvariantCulture)
        : value.ToString("0.####", CultureInfo.InvariantCulture);

    public static string Explain(Fact? fact, DeviceCatalog? catalog)
    {
        if (fact is null)
        {
            return "not available on this hardware";
        }

        var parts = new List<string>();
        if (!fact.IsKnown)
        {
            parts.Add($"Unknown. {fact.Assumption}");
        }

        if (catalog?.SourceOf(fact) is { } source)
        {
            parts.Add($"Source: {source.Citation} ({fact.AsOf ?? source.Date})");
        }
        else if (fact.Source is { } key)
        {
            parts.Add($"Source: {key}");
        }

        if (!string.IsNullOrWhiteSpace(fact.Note))
        {
            parts.Add(fact.Note);
        }

        return string.Join(" · ", parts);
    }

    public static string FormFactor(FormFactor formFactor) => formFactor switch
    {
        Core.Catalog.FormFactor.Datacenter => "datacenter",
        Core.Catalog.FormFactor.Edge => "edge",
        _ => "CPU",
    };

    public static string Pricing(PricingModel pricing) => pricing switch
    {
        PricingModel.OnDemand => "on-demand",
        PricingModel.Reserved1Year => "reserved 1 y",
        PricingModel.Reserved3Year => "reserved 3 y",
        PricingModel.Spot => "spot",
        _ => "capacity block",
    };
}
