using System.Text.Json;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Profiles;

/// <summary>Throughput profiles saved as JSON files (one per profile), looked up by id.</summary>
public sealed class ProfileStore
{
    public const string DirectoryVariable = "INFERENCEPLANNER_PROFILES";

    private readonly Dictionary<string, ThroughputProfile> _profiles;

    private ProfileStore(Dictionary<string, ThroughputProfile> profiles) => _profiles = profiles;

    public IReadOnlyCollection<ThroughputProfile> All
    {
        get
        {
            lock (_profiles)
            {
                return [.. _profiles.Values];
            }
        }
    }

    public static ProfileStore Empty => new(new Dictionary<string, ThroughputProfile>(StringComparer.Ordinal));

    /// <summary>Loads every <c>*.json</c> of <paramref name="directory"/> (default: <c>data/profiles</c>).</summary>
    public static ProfileStore Load(string? directory = null)
    {
        directory ??= DefaultDirectory();
        var profiles = new Dictionary<string, ThroughputProfile>(StringComparer.Ordinal);
        if (directory is null || !Directory.Exists(directory))
        {
            return new ProfileStore(profiles);
        }

        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            ThroughputProfile profile;
            try
            {
                profile = JsonSerializer.Deserialize<ThroughputProfile>(File.ReadAllText(file), ScenarioJson.Options)
                    ?? throw new InvalidDataException($"{file}: empty");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{Path.GetFileName(file)}: {ex.Path}: {ex.Message}", ex);
            }

            if (profile.Points.Count == 0)
            {
                throw new InvalidDataException($"{Path.GetFileName(file)}: profile '{profile.Id}' has no points");
            }

            profiles[profile.Id] = profile;
        }

        return new ProfileStore(profiles);
    }

    public bool TryGet(string id, out ThroughputProfile profile)
    {
        lock (_profiles)
        {
            return _profiles.TryGetValue(id, out profile!);
        }
    }

    /// <summary>Adds (or replaces) a profile, e.g. one calibrated from the dashboard.</summary>
    public void Add(ThroughputProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        lock (_profiles)
        {
            _profiles[profile.Id] = profile;
        }
    }

    public bool Contains(string id)
    {
        lock (_profiles)
        {
            return _profiles.ContainsKey(id);
        }
    }

    /// <summary>Resolves a scenario's profile reference to its points and jitter; inline profiles pass through.</summary>
    public ProfileSpec? Resolve(ProfileSpec? spec) =>
        spec?.Id is { } id && spec.Points is null && spec.AlphaMs is null && TryGet(id, out var profile) ? profile.ToServiceProfile() : spec;

    public static string Write(ThroughputProfile profile) => JsonSerializer.Serialize(profile, ScenarioJson.Options);

    private static string? DefaultDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        return DataFolders.Find("profiles");
    }
}
