using InferencePlanner.Cluster;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Web;

/// <summary>
/// The worker role (<c>--role worker</c>): the same app as one more silo of a PostgreSQL-backed cluster, with no web
/// host. It computes sweep chunks with the catalog and profiles under data/ (Catalog:Directory), as every silo does.
/// </summary>
public static class ClusterWorker
{
    /// <summary>The role named on the command line (<c>--role worker</c> or <c>--role=worker</c>), else null.</summary>
    public static string? Role(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--role" && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith("--role=", StringComparison.Ordinal))
            {
                return args[i]["--role=".Length..];
            }
        }

        return null;
    }

    public static int Run(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        ClusterSettings settings;
        try
        {
            settings = ClusterSettings.Read(builder.Configuration);
            if (settings.Mode != ClusterSettings.Postgres)
            {
                throw new InvalidOperationException("Cluster:Mode: a worker joins a cluster; set Cluster:Mode=postgres and Cluster:ConnectionString (as the dashboard's)");
            }

            PostgresSchema.Ensure(settings.ConnectionString!);
            builder.Services.AddSingleton(CatalogLoader.Load(builder.Configuration["Catalog:Directory"]));
            builder.Services.AddSingleton(_ => ProfileStore.Load());
        }
        catch (Exception ex) when (ex is InvalidOperationException or CatalogException)
        {
            Console.Error.WriteLine($"inferenceplanner worker: {ex.Message}");
            return 2;
        }

        builder.UseOrleans(silo => ClusterHosting.Configure(silo, settings));
        builder.Build().Run();
        return 0;
    }
}
