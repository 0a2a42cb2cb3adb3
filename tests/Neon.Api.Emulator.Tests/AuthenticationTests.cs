using System.Net;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class AuthenticationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Request_WithoutApiKey_Gets401WithNeonErrorJson()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var response = await client.SendAsync(HttpMethod.Get, client.Project, apiKey: "");

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.Status);
        CollectionAssert.AreEquivalent(new[] { "code", "message" }, response.Body.Select(p => p.Key).ToArray());
        StringAssert.StartsWith(response.ContentType, "application/json");
    }

    [TestMethod]
    public async Task Request_WithWrongApiKey_Gets401_AndChangesNothing()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var response = await client.SendAsync(HttpMethod.Post, $"{client.Project}/branches", "{}", apiKey: emulator.ApiKey + "x");

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.Status);
        var branches = (await client.GetAsync($"{client.Project}/branches")).Expect(HttpStatusCode.OK).Body["branches"]!.AsArray();
        Assert.HasCount(1, branches);
    }

    [TestMethod]
    public async Task Request_WithTheKey_IsServed_AndCountedPerOperation()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        (await client.GetAsync(client.Project)).Expect(HttpStatusCode.OK);
        await client.SendAsync(HttpMethod.Get, client.Project, apiKey: "");

        Assert.AreEqual(2, emulator.Requests["getProject"]);
        Assert.AreEqual(2, emulator.Requests.Total);
    }
}
