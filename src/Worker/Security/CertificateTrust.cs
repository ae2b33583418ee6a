using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace PromptQueue.Worker.Security;

/// <summary>
/// Trusts servers whose certificate chains to a private CA given as a PEM file (a company CA, the cluster's CA),
/// besides the system's trust store. Host-name and other errors still fail: only the chain's root is widened.
/// StackExchange.Redis has <c>TrustIssuer</c> for this; RabbitMQ.Client and MassTransit take a validation callback.
/// </summary>
public static class CertificateTrust
{
    public static RemoteCertificateValidationCallback TrustingCa(string caPemFile)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPemFile); // PEM or DER
        return (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
    }
}
