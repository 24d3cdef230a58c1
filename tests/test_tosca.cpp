// TOSCA application descriptions: the reference application, and every kind of bad input gives
// one line with the file, line, column and YAML path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <string>

#include "cansim/scenario/scenario.hpp"
#include "cansim/scenario/tosca.hpp"

using namespace cansim;
using namespace cansim::scenario;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_tosca(text, "app.yaml");
  } catch (const ValidationError& e) {
    return e.what();
  }
  return "";
}

const char* kHeader = "tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template:\n  node_templates:\n";

}  // namespace

TEST_CASE("the Ray Tracing application: an abstract engine with CPU, MIC and GPU implementations, and a front end after it",
          "[tosca]") {
  const app::Topology t = load_tosca(std::string(CANSIM_SOURCE_DIR) + "/apps/ray_tracing.yaml");
  CHECK(t.name == "ray_tracing");
  REQUIRE(t.services.size() == 2);
  const app::Service& engine = t.services[0];
  CHECK(engine.name == "render_engine");
  CHECK(engine.abstract);
  REQUIRE(engine.implementations.size() == 3);
  CHECK(engine.implementations[0].hardware == cloud::Hardware::Cpu);
  CHECK(engine.implementations[1].hardware == cloud::Hardware::Mic);
  CHECK(engine.implementations[1].hypervisor == cloud::Hypervisor::BareMetal);
  CHECK(engine.implementations[2].hardware == cloud::Hardware::Gpu);
  CHECK(engine.implementations[2].accelerators == 1);
  CHECK(engine.implementations[2].cores_min == 2);
  CHECK(engine.implementations[2].cores_max == 4);
  const app::Service& web = t.services[1];
  CHECK_FALSE(web.abstract);
  CHECK(web.depends_on == std::vector<std::size_t>{0});
  CHECK(web.ports == std::vector<std::uint32_t>{80, 443});
  CHECK(t.order == std::vector<std::size_t>{0, 1});
  CHECK(t.digest != 0);
}

TEST_CASE("deployment order puts every service after what it depends on, whatever the declaration order", "[tosca]") {
  const std::string text =
      std::string(kHeader) +
      "    lb: {type: cansim.nodes.Service, properties: {hardware: CPU}, requirements: [{dependsOn: app}]}\n"
      "    app: {type: cansim.nodes.Service, properties: {hardware: CPU}, requirements: [{dependsOn: db}, {dependsOn: cache}]}\n"
      "    cache: {type: cansim.nodes.Service, properties: {hardware: CPU}}\n"
      "    db: {type: cansim.nodes.Service, properties: {hardware: CPU}}\n";
  const app::Topology t = parse_tosca(text, "app.yaml");
  REQUIRE(t.order.size() == 4);
  auto pos = [&](std::size_t s) { return std::find(t.order.begin(), t.order.end(), s) - t.order.begin(); };
  CHECK(pos(3) < pos(1));  // db before app
  CHECK(pos(2) < pos(1));  // cache before app
  CHECK(pos(1) < pos(0));  // app before lb
}

TEST_CASE("bad TOSCA input is one line naming file, line, column and YAML path", "[tosca]") {
  SECTION("a YAML syntax error") {
    const std::string e = error_of("tosca_definitions_version: [1, 2\nx: y\n");
    INFO(e);
    CHECK(std::regex_search(e, std::regex("^app\\.yaml:[0-9]+:[0-9]+: ")));
  }
  SECTION("a cycle in dependsOn names the cycle") {
    const std::string e =
        error_of(std::string(kHeader) +
                 "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}, requirements: [{dependsOn: b}]}\n"
                 "    b: {type: cansim.nodes.Service, properties: {hardware: CPU}, requirements: [{dependsOn: c}]}\n"
                 "    c: {type: cansim.nodes.Service, properties: {hardware: CPU}, requirements: [{dependsOn: a}]}\n");
    INFO(e);
    CHECK(e.find("/topology_template/node_templates") != std::string::npos);
    CHECK(e.find("cycle a -> b -> c -> a") != std::string::npos);
  }
  SECTION("an unknown type") {
    const std::string e = error_of(std::string(kHeader) + "    a:\n      type: tosca.nodes.Nope\n");
    CHECK(e ==
          "app.yaml:5:13: /topology_template/node_templates/a/type: expected cansim.nodes.Service or "
          "cansim.nodes.AbstractService, found \"tosca.nodes.Nope\"");
  }
  SECTION("a requirement naming no template") {
    const std::string e =
        error_of(std::string(kHeader) +
                 "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}, requirements: [{dependsOn: zz}]}\n");
    INFO(e);
    CHECK(e.find("/topology_template/node_templates/a/requirements/0/dependsOn: expected the name of a node template, "
                 "found \"zz\", which names none") != std::string::npos);
  }
  SECTION("an unknown key, with a guess") {
    const std::string e =
        error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU, coers: 2}}\n");
    INFO(e);
    CHECK(e.find("/topology_template/node_templates/a/properties/coers") != std::string::npos);
    CHECK(e.find("did you mean \"cores\"?") != std::string::npos);
  }
  SECTION("a range upside down, and accelerators on a CPU") {
    CHECK(error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU, cores: [4, 2]}}\n")
              .find("min <= max") != std::string::npos);
    CHECK(error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU, accelerators: 1}}\n")
              .find("expected 0 on CPU hardware") != std::string::npos);
  }
  SECTION("not TOSCA at all") {
    CHECK(error_of("just a string\n").find("expected a mapping") != std::string::npos);
    CHECK(error_of("tosca_definitions_version: tosca_simple_yaml_1_3\n").find("expected \"topology_template\"") !=
          std::string::npos);
  }
}

TEST_CASE("TOSCA: a version that only starts right, and 0 cards on accelerator hardware, are refused", "[tosca]") {
  // Issue 29: "tosca_simple_yaml_1_banana" passed a prefix test; "accelerators: 0" on GPU hardware
  // was silently taken as 1.
  const std::string body = std::string(kHeader).substr(std::string(kHeader).find('\n') + 1);
  const std::string e = error_of("tosca_definitions_version: tosca_simple_yaml_1_banana\n" + body +
                                 "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}}\n");
  INFO(e);
  CHECK(e.find("/tosca_definitions_version: expected tosca_simple_yaml_1_x, found \"tosca_simple_yaml_1_banana\"") !=
        std::string::npos);
  CHECK(error_of("tosca_definitions_version: tosca_simple_yaml_1_3\n" + body +
                 "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}}\n")
            .empty());
  const std::string z =
      error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: GPU, accelerators: 0}}\n");
  INFO(z);
  CHECK(z.find("/topology_template/node_templates/a/properties/accelerators: expected at least 1 card on accelerator "
               "hardware, found 0") != std::string::npos);
  CHECK(error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: GPU, accelerators: 1}}\n")
            .empty());
}

TEST_CASE("TOSCA: a key twice in one mapping is refused, as in JSON scenarios", "[tosca]") {
  // Issue 29: two node templates named a were both deployed; a property given twice took the first.
  const std::string twice = error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}}\n" +
                                     "    a: {type: cansim.nodes.Service, properties: {hardware: GPU}}\n");
  INFO(twice);
  CHECK(twice.find("/topology_template/node_templates/a: expected each key once in its mapping, found \"a\" twice") !=
        std::string::npos);
  const std::string prop =
      error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU, hardware: GPU}}\n");
  INFO(prop);
  CHECK(prop.find("/topology_template/node_templates/a/properties/hardware: expected each key once in its mapping") !=
        std::string::npos);
}

TEST_CASE("TOSCA: a second YAML document, malformed or not, is refused", "[tosca]") {
  // Issue 29: a malformed second document was ignored.
  const std::string app = std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}}\n";
  const std::string bad = error_of(app + "---\n[1, 2\n");
  INFO(bad);
  CHECK(std::regex_search(bad, std::regex("^app\\.yaml:[0-9]+:[0-9]+: ")));
  const std::string two = error_of(app + "---\nx: 1\n");
  INFO(two);
  CHECK(two.find("expected one YAML document (an application), found a second one") != std::string::npos);
  CHECK(error_of(app + "...\n").empty());  // an explicit end of the one document
}

TEST_CASE("TOSCA: a NUL byte and a tab in an indentation are named, with their line and column", "[tosca]") {
  // Issue 29: yaml-cpp said "unknown escape character" and "illegal map value".
  CHECK(error_of("tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template:\n\tnode_templates: {}\n") ==
        "app.yaml:3:1: expected spaces to indent (YAML forbids tabs), found a tab");
  CHECK(error_of(std::string("tosca_definitions_version: \"tosca\0x\"\n", 38)) == "app.yaml:1:34: expected text, found a NUL byte");
  // A tab after the indentation (inside a value) is YAML's business, not refused here.
  CHECK(error_of(std::string(kHeader) + "    a: {type: cansim.nodes.Service, properties: {hardware: CPU}}\t# x\n").empty());
}
