using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace InferencePlanner.Cluster.Tests;

/// <summary>The Cluster section: embedded by default; a bad value or an unreachable database named by its key.</summary>
public sealed class ClusterSettingsTests
{
    private static ClusterSettings Read(params (string Key, string Value)[] values) =>
        ClusterSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void NothingSet_IsOneEmbeddedSilo()
    {
        var settings = Read();

        Assert.Equal(ClusterSettings.Embedded, settings.Mode);
        Assert.Null(settings.ConnectionString);
        Assert.Equal(("inferenceplanner", "inferenceplanner"), (settings.ClusterId, settings.ServiceId));
    }

    [Fact]
    public void APostgresCluster_ReadsItsSettings()
    {
        var settings = Read(("Cluster:Mode", "Postgres"), ("Cluster:ConnectionString", "Host=db;Username=u"), ("Cluster:SiloPort", "11112"), ("Cluster:AdvertisedIp", "10.0.0.7"), ("Cluster:ChunkSlots", "3"));

        Assert.Equal(ClusterSettings.Postgres, settings.Mode);
        Assert.Equal(("Host=db;Username=u", 11112, "10.0.0.7", 3), (settings.ConnectionString, settings.SiloPort, settings.AdvertisedIp, settings.ChunkSlots));
    }

    [Theory]
    [InlineData("Cluster:Mode", "kubernetes", "Cluster:Mode: 'kubernetes' is not 'embedded' or 'postgres'")]
    [InlineData("Cluster:SiloPort", "70000", "Cluster:SiloPort: 70000 is not a TCP port (1 to 65535)")]
    [InlineData("Cluster:GatewayPort", "0", "Cluster:GatewayPort: 0 is not a TCP port (1 to 65535)")]
    [InlineData("Cluster:AdvertisedIp", "here", "Cluster:AdvertisedIp: 'here' is not an IP address")]
    [InlineData("Cluster:ChunkSlots", "0", "Cluster:ChunkSlots: 0 must be at least 1")]
    [InlineData("Cluster:ProbeTimeoutSeconds", "-1", "Cluster:ProbeTimeoutSeconds: -1 must be a positive number of seconds")]
    public void ABadValue_IsNamedByItsKey(string key, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void APostgresClusterWithoutAConnectionString_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(("Cluster:Mode", "postgres")));

        Assert.StartsWith("Cluster:ConnectionString: required when Cluster:Mode is 'postgres'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreachableDatabase_IsAClearError()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var error = Assert.Throws<InvalidOperationException>(() => PostgresSchema.Ensure($"Host=127.0.0.1;Port={port};Username=postgres;Timeout=3"));

        Assert.StartsWith($"Cluster:ConnectionString: cannot reach PostgreSQL at 127.0.0.1:{port} (", error.Message, StringComparison.Ordinal);
        var malformed = Assert.Throws<InvalidOperationException>(() => PostgresSchema.Ensure("Hostt=x"));
        Assert.StartsWith("Cluster:ConnectionString: not a PostgreSQL connection string", malformed.Message, StringComparison.Ordinal);
    }
}
