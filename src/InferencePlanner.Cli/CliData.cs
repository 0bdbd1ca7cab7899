using System.CommandLine;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Cli;

/// <summary>
/// Where a command reads the catalog and the profiles: the shipped data, or a team's exported from the dashboard
/// (<c>--data DIR</c>, the unpacked <c>GET /api/catalog/export</c>: DIR/catalog with the team's edits, DIR/profiles
/// with its saved profiles). A command that uses a team's data says so on stderr, so that its figures are traceable.
/// </summary>
internal sealed class CliData(TextWriter stderr)
{
    private bool _said;

    public Option<string?> Option { get; } = new("--data")
    {
        Description = "A team's catalog and profiles, as the dashboard exports them (GET /api/catalog/export, unpacked): DIR/catalog and DIR/profiles. Default: the shipped data.",
        Recursive = true,
    };

    public DeviceCatalog Catalog(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) is { } folder ? CatalogLoader.Load(Folder(folder, DataExport.CatalogFolder)) : CatalogLoader.Load();
    }

    public ProfileStore Profiles(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) is { } folder ? ProfileStore.Load(Folder(folder, DataExport.ProfilesFolder)) : ProfileStore.Load();
    }

    private string Folder(string data, string part)
    {
        var folder = Path.Combine(data, part);
        if (!Directory.Exists(folder))
        {
            throw new ScenarioException("--data", $"{data} has no {part} folder: give the folder the dashboard's export was unpacked into (it holds catalog/ and profiles/)");
        }

        if (!_said)
        {
            _said = true;
            stderr.WriteLine($"data: {Path.GetFullPath(data)} (the team's catalog and profiles, not the shipped ones)");
        }

        return folder;
    }
}
