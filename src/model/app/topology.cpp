#include "cansim/model/app/topology.hpp"

#include <algorithm>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>

namespace cansim::app {

namespace {

// Edges from a service to each service it depends on; vecS keeps vertex and edge order as
// declared, so every traversal is deterministic.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

Graph graph_of(const Topology& t) {
  Graph g(t.services.size());
  for (std::size_t s = 0; s < t.services.size(); ++s) {
    for (std::size_t d : t.services[s].depends_on) boost::add_edge(s, d, g);
  }
  return g;
}

// Records the DFS tree's parents and stops at the first back edge, which closes a cycle.
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<std::size_t>* parent;
  std::optional<std::vector<std::size_t>>* cycle;
  void tree_edge(Graph::edge_descriptor e, const Graph& g) const { (*parent)[boost::target(e, g)] = boost::source(e, g); }
  void back_edge(Graph::edge_descriptor e, const Graph& g) const {
    if (cycle->has_value()) return;
    const std::size_t from = boost::source(e, g), to = boost::target(e, g);
    std::vector<std::size_t> path{from};
    for (std::size_t v = from; v != to; v = (*parent)[v]) path.push_back((*parent)[v]);
    std::reverse(path.begin(), path.end());  // to ... from, and from depends on to
    *cycle = std::move(path);
  }
};

}  // namespace

std::optional<std::vector<std::size_t>> find_cycle(const Topology& t) {
  const Graph g = graph_of(t);
  std::vector<std::size_t> parent(t.services.size());
  std::optional<std::vector<std::size_t>> cycle;
  std::vector<boost::default_color_type> colors(t.services.size());
  boost::depth_first_search(
      g, boost::visitor(CycleFinder{{}, &parent, &cycle})
             .color_map(boost::make_iterator_property_map(colors.begin(), boost::get(boost::vertex_index, g))));
  return cycle;
}

void compute_order(Topology& t) {
  const Graph g = graph_of(t);
  // Edges point at dependencies, so reverse topological order lists dependencies first: exactly
  // what topological_sort writes.
  t.order.clear();
  boost::topological_sort(g, std::back_inserter(t.order));
}

}  // namespace cansim::app
