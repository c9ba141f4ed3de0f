using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>
/// An https server on 127.0.0.1 with a certificate made for this run (self-signed, for 127.0.0.1, valid a day either side
/// of now), answering every request with <c>handle</c>. A child process trusts it, and nothing else, through OpenSSL's
/// <c>SSL_CERT_FILE</c> set to <see cref="CertificateFile"/> (<see cref="TrustOnly"/>), as a machine given a private CA would.
/// </summary>
public sealed class TlsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly string _folder;

    private TlsServer(WebApplication app, X509Certificate2 certificate, string folder)
    {
        _app = app;
        _certificate = certificate;
        _folder = folder;
    }

    public int Port { get; private set; }

    /// <summary>The server's certificate as PEM: the one root a child process trusts with <see cref="TrustOnly"/>.</summary>
    public string CertificateFile => Path.Combine(_folder, "root.pem");

    /// <summary>An https URL of this server.</summary>
    public string Url(string pathAndQuery) => $"https://127.0.0.1:{Port}{pathAndQuery}";

    /// <summary>The environment entry that makes a child process trust this server's certificate (and no other).</summary>
    public KeyValuePair<string, string?> TrustOnly => new("SSL_CERT_FILE", CertificateFile);

    /// <param name="handle">Answers a request; gets this server (for its <see cref="Url"/>).</param>
    public static async Task<TlsServer> StartAsync(Func<HttpContext, TlsServer, Task> handle)
    {
        var certificate = CreateCertificate(out var pem);
        var folder = Directory.CreateTempSubdirectory("homebrew-sync-tls-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "root.pem"), pem);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(certificate)));
        var app = builder.Build();
        var server = new TlsServer(app, certificate, folder);
        app.Run(ctx => handle(ctx, server));
        await app.StartAsync();
        server.Port = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        return server;
    }

    private static X509Certificate2 CreateCertificate(out string pem)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        pem = created.ExportCertificatePem();
        // Kestrel on Linux takes the key from a certificate loaded whole, not from the one made in memory.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _certificate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
