using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Tests.Matching;

public class LexicalGuardsTests
{
    [Theory]
    [InlineData("Deploy AMF with 3 replicas", "Deploy AMF with 5 replicas", false)]
    [InlineData("Deploy AMF with 3 replicas", "deploy amf with three replicas", false)]
    [InlineData("Set the timeout to 30.0 seconds", "Set the timeout to 30 seconds", true)]
    [InlineData("Summarize the Q3 report", "Summarize the Q4 report", false)]
    [InlineData("How do I reset my password?", "How can I reset my password?", true)]
    public void Numbers_must_agree(string a, string b, bool same) => Assert.Equal(same, LexicalGuards.SameNumbers(a, b));

    [Theory]
    [InlineData("Is this transaction fraudulent?", "Is this transaction not fraudulent?", false)]
    [InlineData("Why can't I log in?", "Why am I not able to log in?", true)]
    [InlineData("Why is my invoice higher than last month?", "Why is my invoice lower than last month?", false)]
    [InlineData("How do I add a user?", "How do I remove a user?", false)]
    [InlineData("How do I add a user?", "How can I add a new user?", true)]
    public void Polarity_must_agree(string a, string b, bool same) => Assert.Equal(same, LexicalGuards.SamePolarity(a, b));

    [Theory]
    [InlineData("Is the API available in the EU region?", "Is the API available in the US region?", false)]
    [InlineData("How do I enable dark mode on iOS?", "How do I enable dark mode on Android?", false)]
    [InlineData("What is the capital of France?", "Which city is the capital of France?", true)]
    [InlineData("Reset my password. It expired.", "Please reset my password. It has expired.", true)]
    public void Named_entities_must_agree(string a, string b, bool same) => Assert.Equal(same, LexicalGuards.SameEntities(a, b));
}
