using CommandGrid.Mqtt.Topics;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

public sealed class TopicTests
{
    [Theory]
    [InlineData("sport/tennis/player1", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1", "sport/tennis/+", true)]
    [InlineData("sport/tennis/player1", "sport/#", true)]
    [InlineData("sport", "sport/#", true)]
    [InlineData("sport/", "sport/+", true)]
    [InlineData("sport/tennis", "sport/+", true)]
    [InlineData("sport/tennis/player1", "sport/+", false)]
    [InlineData("sport", "sport/+", false)]
    [InlineData("/finance", "+/+", true)]
    [InlineData("/finance", "/+", true)]
    [InlineData("/finance", "+", false)]
    [InlineData("a/b/c", "#", true)]
    [InlineData("a/b/c", "a/+/c", true)]
    [InlineData("a/b/c/d", "a/+/c", false)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/bc", "a/b", false)]
    [InlineData("$SYS/monitor", "#", false)]
    [InlineData("$SYS/monitor", "+/monitor", false)]
    [InlineData("$SYS/monitor", "$SYS/#", true)]
    [InlineData("$emqx/commands/things/t1/executions/9/request", "$emqx/commands/things/t1/#", true)]
    [InlineData("Sport", "sport", false)]
    public void TopicFilter_MatchesPerSpec(string topic, string filter, bool expected)
    {
        Assert.Equal(expected, MqttTopic.Matches(topic, filter));
    }

    [Theory]
    [InlineData("#", true)]
    [InlineData("+", true)]
    [InlineData("a/#", true)]
    [InlineData("+/+/x", true)]
    [InlineData("/", true)]
    [InlineData("", false)]
    [InlineData("a#", false)]
    [InlineData("a/#/b", false)]
    [InlineData("a+/b", false)]
    [InlineData("a/+b", false)]
    [InlineData("##", false)]
    public void TopicFilter_ValidatesWildcardPlacement(string filter, bool expected)
    {
        Assert.Equal(expected, MqttTopic.IsValidTopicFilter(filter));
    }

    [Theory]
    [InlineData("a/b", true)]
    [InlineData("/", true)]
    [InlineData("", false)]
    [InlineData("a/+", false)]
    [InlineData("a/#", false)]
    public void TopicName_RejectsWildcardsAndEmpty(string topic, bool expected)
    {
        Assert.Equal(expected, MqttTopic.IsValidTopicName(topic));
    }
}
