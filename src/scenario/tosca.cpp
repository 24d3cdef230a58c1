#include "cansim/scenario/tosca.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "cansim/scenario/scenario.hpp"

namespace cansim::scenario {

namespace {

// Where a value is: its YAML path and the node (for line and column).
struct At {
  const std::string& label;
  std::string path;
  YAML::Mark mark;

  At child(const std::string& key, const YAML::Node& n) const { return {label, path + "/" + key, n.Mark()}; }
  At child(std::size_t i, const YAML::Node& n) const { return {label, path + "/" + std::to_string(i), n.Mark()}; }
  [[noreturn]] void fail(const std::string& message) const {
    const std::string where = mark.is_null() ? path : fmt::format("{}:{}: {}", mark.line + 1, mark.column + 1, path);
    throw ValidationError(label, where.empty() ? "/" : where, message);
  }
};

std::string found(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return fmt::format("\"{}\"", n.Scalar());
    default: return "nothing";
  }
}

void require_map(const YAML::Node& n, const At& at) {
  if (!n.IsMap()) at.fail(fmt::format("expected a mapping, found {}", found(n)));
  // yaml-cpp keeps a repeated key (and looks up the first): refused, as the JSON loader does.
  std::set<std::string> seen;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) continue;
    const std::string k = kv.first.Scalar();
    if (!seen.insert(k).second) {
      At{at.label, at.path + "/" + k, kv.first.Mark()}.fail(
          fmt::format("expected each key once in its mapping, found \"{}\" twice", k));
    }
  }
}

void only_keys(const YAML::Node& n, const At& at, const std::vector<std::string>& keys) {
  for (const auto& kv : n) {
    const std::string k = kv.first.as<std::string>();
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string list;
      for (const auto& x : keys) list += (list.empty() ? "" : ", ") + fmt::format("\"{}\"", x);
      std::string msg = fmt::format("expected one of {}, found unknown key \"{}\"", list, k);
      if (auto g = did_you_mean(k, keys)) msg += fmt::format("; did you mean \"{}\"?", *g);
      At{at.label, at.path + "/" + k, kv.first.Mark()}.fail(msg);
    }
  }
}

std::string text(const YAML::Node& n, const At& at) {
  if (!n.IsScalar()) at.fail(fmt::format("expected a string, found {}", found(n)));
  return n.Scalar();
}

double number(const YAML::Node& n, const At& at, double lo, double hi, const char* what) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0 && std::isfinite(v) && v >= lo && v <= hi) return v;
  }
  at.fail(fmt::format("expected {} in [{}, {}], found {}", what, lo, hi, found(n)));
}

std::uint64_t integer(const YAML::Node& n, const At& at, double lo, double hi) {
  const double v = number(n, at, lo, hi, "an integer");
  if (v != std::floor(v)) at.fail(fmt::format("expected an integer in [{}, {}], found {}", lo, hi, found(n)));
  return static_cast<std::uint64_t>(v);
}

// An integer or a range [min, max].
std::pair<std::uint64_t, std::uint64_t> range(const YAML::Node& n, const At& at, double lo, double hi) {
  if (n.IsSequence()) {
    if (n.size() != 2) at.fail(fmt::format("expected an integer or a range [min, max], found a list of {}", n.size()));
    const auto a = integer(n[0], at.child(0, n[0]), lo, hi), b = integer(n[1], at.child(1, n[1]), lo, hi);
    if (a > b) at.fail(fmt::format("expected a range [min, max] with min <= max, found [{}, {}]", a, b));
    return {a, b};
  }
  const auto v = integer(n, at, lo, hi);
  return {v, v};
}

const std::vector<std::string> kImplKeys{"name",      "hardware",     "hypervisor",  "cores",
                                         "memory_mb", "accelerators", "performance", "ports"};

app::Implementation implementation(const YAML::Node& n, const At& at, const std::string& default_name,
                                   std::vector<std::uint32_t>* ports) {
  require_map(n, at);
  only_keys(n, at, kImplKeys);
  app::Implementation im;
  im.name = n["name"] ? text(n["name"], at.child("name", n["name"])) : default_name;
  if (!n["hardware"]) at.fail("expected \"hardware\" (CPU, GPU, MIC or FPGA), found nothing");
  const auto hw = cloud::parse_hardware(text(n["hardware"], at.child("hardware", n["hardware"])));
  if (!hw)
    at.child("hardware", n["hardware"]).fail(fmt::format("expected CPU, GPU, MIC or FPGA, found {}", found(n["hardware"])));
  im.hardware = *hw;
  if (n["hypervisor"]) {
    const auto hv = cloud::parse_hypervisor(text(n["hypervisor"], at.child("hypervisor", n["hypervisor"])));
    if (!hv)
      at.child("hypervisor", n["hypervisor"]).fail(fmt::format("expected VM, CONTAINER or BM, found {}", found(n["hypervisor"])));
    im.hypervisor = *hv;
  }
  if (n["cores"]) std::tie(im.cores_min, im.cores_max) = range(n["cores"], at.child("cores", n["cores"]), 1, 1e6);
  if (n["memory_mb"])
    std::tie(im.memory_mb_min, im.memory_mb_max) = range(n["memory_mb"], at.child("memory_mb", n["memory_mb"]), 0, 1e12);
  if (n["accelerators"])
    im.accelerators = static_cast<std::uint32_t>(integer(n["accelerators"], at.child("accelerators", n["accelerators"]), 0, 1e6));
  if (im.hardware == cloud::Hardware::Cpu && im.accelerators > 0) {
    at.child("accelerators", n["accelerators"]).fail(fmt::format("expected 0 on CPU hardware, found {}", im.accelerators));
  }
  if (im.hardware != cloud::Hardware::Cpu && im.accelerators == 0) {
    // Issue 29: an explicit 0 on accelerator hardware was silently taken as 1; left out, it is 1.
    if (n["accelerators"]) at.child("accelerators", n["accelerators"]).fail("expected at least 1 card on accelerator hardware, found 0");
    im.accelerators = 1;
  }
  if (n["performance"]) im.performance = number(n["performance"], at.child("performance", n["performance"]), 0, 1e12, "a number");
  if (n["ports"]) {
    const YAML::Node p = n["ports"];
    const At pat = at.child("ports", p);
    if (!p.IsSequence()) pat.fail(fmt::format("expected a list of ports, found {}", found(p)));
    if (!ports) pat.fail("expected ports on the service, not on one implementation");
    for (std::size_t i = 0; i < p.size(); ++i)
      ports->push_back(static_cast<std::uint32_t>(integer(p[i], pat.child(i, p[i]), 1, 65535)));
  }
  return im;
}

// Where each document starts; every other event is ignored (no nodes are built).
struct DocumentStarts : YAML::EventHandler {
  YAML::Mark last;
  void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

app::Topology parse_tosca(const std::string& text_in, const std::string& label) {
  // What yaml-cpp reports without naming it (issue 29): a NUL byte ("unknown escape character"),
  // a tab in an indentation ("illegal map value", "end of map not found").
  std::size_t line = 1, column = 1;
  bool indent = true;
  for (const char ch : text_in) {
    if (ch == '\0') throw ValidationError(label, fmt::format("{}:{}", line, column), "expected text, found a NUL byte");
    if (ch == '\t' && indent) {
      throw ValidationError(label, fmt::format("{}:{}", line, column), "expected spaces to indent (YAML forbids tabs), found a tab");
    }
    if (ch == '\n') {
      ++line;
      column = 1;
      indent = true;
      continue;
    }
    if (ch != ' ' && ch != '\t') indent = false;
    ++column;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text_in);
    // An application is one document: a second one, malformed or not, is refused (issue 29: it
    // was ignored). The parser's events are read without building nodes, and no further than the
    // second document (YAML::LoadAll never ended on some junk after the first: found by fuzzing).
    std::istringstream in(text_in);
    YAML::Parser parser(in);
    DocumentStarts starts;
    if (parser.HandleNextDocument(starts) && parser.HandleNextDocument(starts)) {
      throw ValidationError(label, fmt::format("{}:{}", starts.last.line + 1, starts.last.column + 1),
                            "expected one YAML document (an application), found a second one");
    }
  } catch (const YAML::ParserException& e) {
    throw ValidationError(label, fmt::format("{}:{}", e.mark.line + 1, e.mark.column + 1), e.msg);
  }
  try {
    const At top{label, "", root.Mark()};
    require_map(root, top);
    only_keys(root, top, {"tosca_definitions_version", "metadata", "description", "topology_template"});
    if (!root["tosca_definitions_version"]) top.fail("expected \"tosca_definitions_version\", found nothing");
    const std::string version =
        text(root["tosca_definitions_version"], top.child("tosca_definitions_version", root["tosca_definitions_version"]));
    // The whole name: "tosca_simple_yaml_1_banana" passed a prefix test (issue 29).
    const std::string minor = version.rfind("tosca_simple_yaml_1_", 0) == 0 ? version.substr(20) : "";
    if (minor.empty() || minor.find_first_not_of("0123456789") != std::string::npos) {
      top.child("tosca_definitions_version", root["tosca_definitions_version"])
          .fail(fmt::format("expected tosca_simple_yaml_1_x, found \"{}\"", version));
    }
    app::Topology t;
    if (const YAML::Node md = root["metadata"]) {
      const At mat = top.child("metadata", md);
      require_map(md, mat);
      if (md["name"]) t.name = text(md["name"], mat.child("name", md["name"]));
    }
    const YAML::Node tt = root["topology_template"];
    if (!tt) top.fail("expected \"topology_template\", found nothing");
    const At tat = top.child("topology_template", tt);
    require_map(tt, tat);
    only_keys(tt, tat, {"description", "node_templates"});
    const YAML::Node nts = tt["node_templates"];
    if (!nts) tat.fail("expected \"node_templates\", found nothing");
    const At nat = tat.child("node_templates", nts);
    require_map(nts, nat);
    if (nts.size() == 0) nat.fail("expected at least one node template, found none");

    std::map<std::string, std::size_t> index;
    for (const auto& kv : nts) index.emplace(kv.first.as<std::string>(), index.size());
    for (const auto& kv : nts) {
      const std::string name = kv.first.as<std::string>();
      const YAML::Node n = kv.second;
      const At at = nat.child(name, n);
      require_map(n, at);
      only_keys(n, at, {"type", "description", "properties", "requirements"});
      app::Service s;
      s.name = name;
      if (!n["type"]) at.fail("expected \"type\" (cansim.nodes.Service or cansim.nodes.AbstractService), found nothing");
      const std::string type = text(n["type"], at.child("type", n["type"]));
      const YAML::Node props = n["properties"] ? n["properties"] : YAML::Node(YAML::NodeType::Map);
      const At pat = at.child("properties", props);
      if (type == "cansim.nodes.Service") {
        s.implementations.push_back(implementation(props, pat, name, &s.ports));
      } else if (type == "cansim.nodes.AbstractService") {
        s.abstract = true;
        require_map(props, pat);
        only_keys(props, pat, {"implementations", "ports"});
        const YAML::Node impls = props["implementations"];
        if (!impls || !impls.IsSequence() || impls.size() == 0) {
          (impls ? pat.child("implementations", impls) : pat)
              .fail(fmt::format("expected a non-empty list of implementations, found {}", impls ? found(impls) : "nothing"));
        }
        const At iat = pat.child("implementations", impls);
        for (std::size_t i = 0; i < impls.size(); ++i) {
          s.implementations.push_back(implementation(impls[i], iat.child(i, impls[i]), fmt::format("{}_{}", name, i), nullptr));
        }
        if (props["ports"]) {
          const YAML::Node p = props["ports"];
          const At ppat = pat.child("ports", p);
          if (!p.IsSequence()) ppat.fail(fmt::format("expected a list of ports, found {}", found(p)));
          for (std::size_t i = 0; i < p.size(); ++i)
            s.ports.push_back(static_cast<std::uint32_t>(integer(p[i], ppat.child(i, p[i]), 1, 65535)));
        }
      } else {
        at.child("type", n["type"])
            .fail(fmt::format("expected cansim.nodes.Service or cansim.nodes.AbstractService, found \"{}\"", type));
      }
      if (const YAML::Node reqs = n["requirements"]) {
        const At rat = at.child("requirements", reqs);
        if (!reqs.IsSequence()) rat.fail(fmt::format("expected a list of requirements, found {}", found(reqs)));
        for (std::size_t i = 0; i < reqs.size(); ++i) {
          const At one = rat.child(i, reqs[i]);
          require_map(reqs[i], one);
          only_keys(reqs[i], one, {"dependsOn"});
          const YAML::Node target = reqs[i]["dependsOn"];
          if (!target) one.fail("expected \"dependsOn\", found nothing");
          const At tat2 = one.child("dependsOn", target);
          const std::string dep = text(target, tat2);
          auto it = index.find(dep);
          if (it == index.end())
            tat2.fail(fmt::format("expected the name of a node template, found \"{}\", which names none", dep));
          if (it->second == index.at(name)) tat2.fail(fmt::format("expected another node template, found \"{}\" itself", dep));
          s.depends_on.push_back(it->second);
        }
      }
      t.services.push_back(std::move(s));
    }
    if (const auto cycle = app::find_cycle(t)) {
      std::string names;
      for (std::size_t v : *cycle) names += t.services[v].name + " -> ";
      names += t.services[cycle->front()].name;
      nat.fail(fmt::format("expected dependsOn relations without a cycle, found the cycle {}", names));
    }
    app::compute_order(t);
    const std::string hex = sha256_hex(text_in);
    t.digest = std::stoull(hex.substr(0, 16), nullptr, 16);
    if (t.name.empty()) t.name = std::filesystem::path(label).stem().string();
    return t;
  } catch (const YAML::Exception& e) {
    throw ValidationError(label, fmt::format("{}:{}", e.mark.line + 1, e.mark.column + 1), e.msg);
  }
}

app::Topology load_tosca(const std::string& file) {
  return parse_tosca(read_input_file(file, kMaxToscaBytes, "a TOSCA YAML file"), file);
}

}  // namespace cansim::scenario
