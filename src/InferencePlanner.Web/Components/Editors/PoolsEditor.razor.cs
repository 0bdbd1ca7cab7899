using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Editors;

public partial class PoolsEditor
{
    [Inject]
    public required DeviceCatalog CatalogData { get; init; }

    private static List<PoolSpec> Replace(IReadOnlyList<PoolSpec> pools, int index, PoolSpec pool)
    {
        var copy = pools.ToList();
        copy[index] = pool;
        return copy;
    }
}
