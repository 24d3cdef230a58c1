#pragma once
// A component's volatile state (Can keeps one per component endpoint): its life, its
// registration, and the Work Entries it runs (the built-in worker's, or a ComponentBehaviour's).
#include <cstdint>
#include <utility>
#include <vector>

namespace cansim::can {

// A Work Entry a component runs.
struct WorkRun {
  std::uint32_t work;
  std::uint32_t progress;  // intervals done
  bool done = false;       // complete; WorkDone is repeated until Shutdown comes
  // The index of the AssignWork or ReassignWork entry it runs under: a later one supersedes it.
  std::uint32_t assignment = 0;
};
struct ComponentState {
  std::uint32_t incarnation = 0;  // ticks of an earlier life find it changed
  bool registered_once = false;   // on recovery it registers again
  bool asked = false;             // it asked to register: on recovery it asks again, registered or not
  std::uint64_t refresh = 0;      // the registration refresh that is due (older timers stand down)
  // (work, assignment) it ran the shut-down instructions of: a repeat of that assignment (the
  // ShutdownDone was lost, so no FinishWork) is answered WorkDone, never started again. Volatile.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> shut_down;
};

}  // namespace cansim::can
