using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;

namespace InferencePlanner.Cluster;

/// <summary>
/// The cluster settings (configuration section <c>Cluster</c>): <c>Mode</c> <c>embedded</c> (default: one silo in the
/// process, localhost clustering, memory storage) or <c>postgres</c> (a real cluster: membership and sweep state in
/// PostgreSQL via Orleans' ADO.NET providers; more silos are the same app started with <c>--role worker</c>).
/// </summary>
public sealed record ClusterSettings
{
    public const string Section = "Cluster";
    public const string Embedded = "embedded";
    public const string Postgres = "postgres";

    public string Mode { get; init; } = Embedded;

    /// <summary>The PostgreSQL connection string (Npgsql form) when <see cref="Mode"/> is <c>postgres</c>.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Silo-to-silo port; a free loopback port when embedded and unset, 11111 in a cluster.</summary>
    public int? SiloPort { get; init; }

    /// <summary>Client gateway port; a free loopback port when embedded and unset, 30000 in a cluster.</summary>
    public int? GatewayPort { get; init; }

    /// <summary>The address other silos reach this one at (127.0.0.1 unless set; on Kubernetes the pod's).</summary>
    public string? AdvertisedIp { get; init; }

    public string ClusterId { get; init; } = "inferenceplanner";

    public string ServiceId { get; init; } = "inferenceplanner";

    /// <summary>Chunks this silo computes at once; by default every core embedded, all but one in a cluster.</summary>
    public int? ChunkSlots { get; init; }

    /// <summary>How long a silo may miss probes before the others vote it dead (Orleans' ProbeTimeout; 5 s by default).</summary>
    public double? ProbeTimeoutSeconds { get; init; }

    /// <summary>Reads and checks the section: a bad value is an error naming its key and the reason.</summary>
    public static ClusterSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();
        settings = settings with { Mode = settings.Mode.Trim().ToLowerInvariant() };
        if (settings.Mode is not (Embedded or Postgres))
        {
            throw new InvalidOperationException($"Cluster:Mode: '{settings.Mode}' is not '{Embedded}' or '{Postgres}'");
        }

        if (settings.Mode == Postgres && string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new InvalidOperationException("Cluster:ConnectionString: required when Cluster:Mode is 'postgres' (e.g. Host=127.0.0.1;Port=5432;Username=orleans;Password=…;Database=inferenceplanner)");
        }

        foreach (var (key, port) in new[] { ("SiloPort", settings.SiloPort), ("GatewayPort", settings.GatewayPort) })
        {
            if (port is < 1 or > 65535)
            {
                throw new InvalidOperationException($"Cluster:{key}: {port} is not a TCP port (1 to 65535)");
            }
        }

        if (settings.AdvertisedIp is { } ip && !IPAddress.TryParse(ip, out _))
        {
            throw new InvalidOperationException($"Cluster:AdvertisedIp: '{ip}' is not an IP address");
        }

        if (settings.ChunkSlots is < 1)
        {
            throw new InvalidOperationException($"Cluster:ChunkSlots: {settings.ChunkSlots} must be at least 1");
        }

        if (settings.ProbeTimeoutSeconds is { } probe && (!double.IsFinite(probe) || probe <= 0))
        {
            throw new InvalidOperationException($"Cluster:ProbeTimeoutSeconds: {probe} must be a positive number of seconds");
        }

        return settings;
    }
}

/// <summary>Configures a silo from <see cref="ClusterSettings"/>: the dashboard's and every worker's, the same way.</summary>
public static class ClusterHosting
{
    /// <summary>The ADO.NET invariant of Npgsql, PostgreSQL's .NET provider.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Makes <paramref name="silo"/> a member of the configured cluster with sweeps on it. For <c>postgres</c> the schema
    /// must exist (<see cref="PostgresSchema.Ensure"/> first); on Kubernetes (KUBERNETES_SERVICE_HOST set) the pod's
    /// name, address and labels come from Orleans' Kubernetes hosting.
    /// </summary>
    public static ISiloBuilder Configure(ISiloBuilder silo, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Mode == ClusterSettings.Embedded)
        {
            silo.UseLocalhostClustering(settings.SiloPort ?? SweepService.FreePort(), settings.GatewayPort ?? SweepService.FreePort());
            return silo.AddSweeps(chunkSlots: settings.ChunkSlots);
        }

        var connection = settings.ConnectionString!;
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 })
        {
            silo.UseKubernetesHosting();
        }
        else
        {
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedIp ?? "127.0.0.1"), settings.SiloPort ?? 11111, settings.GatewayPort ?? 30000, listenOnAnyHostAddress: settings.AdvertisedIp is not null);
        }

        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connection;
        });
        silo.AddAdoNetGrainStorage(SweepGrain.Storage, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connection;
        });
        if (settings.ProbeTimeoutSeconds is { } probe)
        {
            silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(probe));
        }

        return silo.AddSweeps(memoryStorage: false, chunkSlots: settings.ChunkSlots ?? ChunkSlots.ForCluster);
    }
}

/// <summary>Orleans' PostgreSQL schema (data/orleans-postgres), applied once to a database that lacks it.</summary>
public static class PostgresSchema
{
    private static readonly string[] Scripts = ["PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql", "PostgreSQL-Persistence.sql"];

    /// <summary>An arbitrary key for the advisory lock under which silos starting together create the schema once.</summary>
    private const long LockKey = 0x1F_0E1E_A75;

    /// <summary>
    /// Creates Orleans' tables and queries unless <c>OrleansQuery</c> exists; true when it created them. An unreachable
    /// database is an error naming the setting, the server and the reason.
    /// </summary>
    public static bool Ensure(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        NpgsqlConnectionStringBuilder target;
        try
        {
            target = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Cluster:ConnectionString: not a PostgreSQL connection string ({ex.Message})", ex);
        }

        using var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new InvalidOperationException($"Cluster:ConnectionString: cannot reach PostgreSQL at {target.Host}:{target.Port} ({ex.Message})", ex);
        }

        using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection))
        {
            lockCommand.ExecuteNonQuery();
        }

        try
        {
            using (var exists = new NpgsqlCommand("SELECT to_regclass('orleansquery') IS NOT NULL", connection))
            {
                if ((bool)exists.ExecuteScalar()!)
                {
                    return false;
                }
            }

            var assembly = typeof(PostgresSchema).Assembly;
            foreach (var script in Scripts)
            {
                using var stream = assembly.GetManifestResourceStream($"orleans-postgres/{script}")
                    ?? throw new InvalidOperationException($"the build lacks Orleans' script {script}");
                using var reader = new StreamReader(stream);
                using var command = new NpgsqlCommand(reader.ReadToEnd(), connection);
                command.ExecuteNonQuery();
            }

            return true;
        }
        finally
        {
            using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            unlock.ExecuteNonQuery();
        }
    }
}
