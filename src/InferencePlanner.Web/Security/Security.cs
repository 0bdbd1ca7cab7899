using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace InferencePlanner.Web.Security;

/// <summary>
/// Optional protection for a shared deployment (configuration section <c>Auth</c>): an API key that every
/// <c>/api</c> request must carry in <c>X-Api-Key</c>, and a password for the dashboard (a sign-in page, then a
/// cookie). Both are off unless set. <c>/health</c> stays open for load balancers.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string ApiKeyHeader = "X-Api-Key";

    public string? ApiKey { get; set; }

    public string? DashboardPassword { get; set; }
}

public static class SecurityExtensions
{
    /// <summary>
    /// The page policy: scripts, styles, fonts and connections only from this origin (the circuit's WebSocket
    /// included); inline styles allowed, as MudBlazor positions popovers with them; no framing, no plugins.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The rate policy of sign-in attempts: 10 a minute from one address, beyond that 429.</summary>
    public const string LoginPolicy = "login";

    public static IServiceCollection AddPlannerSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        services.AddSingleton(auth);
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = "/login";
            options.Cookie.Name = "InferencePlanner.Auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromHours(12);
        });
        return services;
    }

    public static WebApplication UsePlannerSecurity(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<AuthOptions>();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            await next(context).ConfigureAwait(false);
        });
        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            // The API asks for its key; the dashboard's own downloads (/api/runs/…) go with the dashboard's sign-in. With a
            // dashboard password and no key, the API asks for the signed-in cookie: a password never leaves the API open.
            if (path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/runs"))
            {
                var refused = auth.ApiKey is { Length: > 0 } key
                    ? !Matches(context.Request.Headers[AuthOptions.ApiKeyHeader].ToString(), key)
                    : auth.DashboardPassword is { Length: > 0 } && context.User.Identity?.IsAuthenticated != true;
                if (refused)
                {
                    context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + AuthOptions.ApiKeyHeader + "\"";
                    await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in.",
                        detail: auth.ApiKey is { Length: > 0 }
                            ? $"send this server's API key in the {AuthOptions.ApiKeyHeader} header"
                            : "sign in on /login first (the dashboard's password), or ask for an API key (Auth:ApiKey)").ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }
            }
            else if (auth.DashboardPassword is { Length: > 0 } && context.User.Identity?.IsAuthenticated != true && !Open(path))
            {
                context.Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(path + context.Request.QueryString));
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/login", (string? returnUrl, string? failed) => Results.Content(LoginPage(returnUrl, failed is not null), "text/html; charset=utf-8"));
        app.MapPost("/login", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
            var returnUrl = form["returnUrl"].ToString();
            var local = IsLocalPath(returnUrl) ? returnUrl : "/";
            if (auth.DashboardPassword is not { Length: > 0 } password || !Matches(form["password"].ToString(), password))
            {
                return Results.Redirect("/login?failed=1&returnUrl=" + Uri.EscapeDataString(local));
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "planner")], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
            return Results.Redirect(local);
        }).DisableAntiforgery().RequireRateLimiting(LoginPolicy);
        return app;
    }

    /// <summary>
    /// A path on this site, as ASP.NET Core's IsLocalUrl decides: "/" then not "/" or "\\" (browsers read "/\\host"
    /// as another site), and no control characters ("/\t/host" is another site too).
    /// </summary>
    internal static bool IsLocalPath(string url) =>
        url.Length > 0 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl);

    /// <summary>Paths a signed-out browser may reach: the sign-in page, health, and the files the sign-in page uses.</summary>
    private static bool Open(PathString path) =>
        path.StartsWithSegments("/login") || path.StartsWithSegments("/health") || path.Value is "/favicon.svg" or "/app.css";

    /// <summary>Compares in constant time, so that the time taken says nothing about the secret.</summary>
    private static bool Matches(string given, string secret) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string LoginPage(string? returnUrl, bool failed) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Sign in · InferencePlanner</title>
        <link rel="icon" type="image/svg+xml" href="/favicon.svg"><link rel="stylesheet" href="/app.css"></head>
        <body style="font-family: system-ui, sans-serif; max-width: 360px; margin: 10vh auto; color: #1f2328">
        <h1>InferencePlanner</h1>
        <form method="post" action="/login">
        <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl ?? "/")}}">
        <label for="password">Password</label><br>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus style="width: 100%; padding: 6px"><br>
        {{(failed ? "<p role=\"alert\" style=\"color: #b42318\">That password is not right.</p>" : "")}}
        <button type="submit" style="margin-top: 12px; padding: 6px 16px">Sign in</button>
        </form></body></html>
        """;
}
