using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace InferencePlanner.Web.Tests.Api;

/// <summary>The app's real pipeline in memory, on a data folder of its own, with the given settings.</summary>
public sealed class ApiHost : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    public ApiHost(IReadOnlyDictionary<string, string>? settings = null, string? folder = null)
    {
        Folder = folder ?? Directory.CreateTempSubdirectory("ip-api-").FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Storage:Folder", Folder);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                builder.UseSetting(key, value);
            }
        });
    }

    public string Folder { get; }

    public HttpClient Client(bool followRedirects = true) =>
        _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects, HandleCookies = true });

    public IServiceProvider Services => _factory.Services;

    /// <summary>Stops the app; the data folder stays unless <paramref name="keepFolder"/> is false.</summary>
    public void Dispose(bool keepFolder)
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!keepFolder)
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    public void Dispose() => Dispose(keepFolder: false);
}
