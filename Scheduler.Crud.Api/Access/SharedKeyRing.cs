using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;
using Scheduler.Common.Security;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Access;

/// <summary>
/// ASP.NET Data Protection (the sign-in cookie, antiforgery tokens) with its key ring in PostgreSQL, encrypted at rest with
/// the product's secret key: every API replica reads the same keys, so a browser signed in on one is signed in on all,
/// and through restarts. Without it each process made keys of its own.
/// </summary>
internal static class SharedKeyRing
{
    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Scheduleman");
        services.AddOptions<KeyManagementOptions>().Configure<DataProtectionKeyStore, SecretBox>((options, store, secrets) =>
        {
            options.XmlRepository = new Repository(store);
            options.XmlEncryptor = new Encryptor(secrets);
        });
        return services;
    }

    private sealed class Repository(DataProtectionKeyStore store) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => [.. store.All().Select(XElement.Parse)];

        public void StoreElement(XElement element, string friendlyName) => store.Add(friendlyName, element.ToString(SaveOptions.DisableFormatting));
    }

    private sealed class Encryptor(SecretBox secrets) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
            new(new XElement("secretBox", secrets.Protect(plaintextElement.ToString(SaveOptions.DisableFormatting), SecretContext.DataProtectionKey)), typeof(Decryptor));
    }

    /// <summary>Made by the key manager from the type name it stored with the key (so it takes the service provider).</summary>
    internal sealed class Decryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement) =>
            XElement.Parse(services.GetRequiredService<SecretBox>().Reveal(encryptedElement.Value, SecretContext.DataProtectionKey));
    }
}
