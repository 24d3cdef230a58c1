#pragma once
// A move-only `void()` callable with inline storage, so that scheduling the usual small lambda
// ([this, id] ...) allocates nothing. Larger callables go to the heap.
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace cansim {

class EventFn {
 public:
  static constexpr std::size_t kInline = 32;  // with the two pointers: 48 bytes

  EventFn() = default;
  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, EventFn> && std::is_invocable_r_v<void, D&>>>
  EventFn(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    if constexpr (sizeof(D) <= kInline && alignof(D) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      invoke_ = [](void* p) { (*static_cast<D*>(p))(); };
      // Trivial callables need no manager: moving is a byte copy and destruction is nothing.
      if constexpr (!(std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>)) {
        manage_ = [](Op op, void* self, void* other) {
          D* d = static_cast<D*>(self);
          if (op == Op::MoveTo) ::new (other) D(std::move(*d));
          d->~D();
        };
      }
    } else {
      D* heap = new D(std::forward<F>(f));
      ::new (static_cast<void*>(buf_)) D*(heap);
      invoke_ = [](void* p) { (**static_cast<D**>(p))(); };
      manage_ = [](Op op, void* self, void* other) {
        D** d = static_cast<D**>(self);
        if (op == Op::MoveTo) {
          ::new (other) D*(*d);
        } else {
          delete *d;
        }
      };
    }
  }

  EventFn(EventFn&& o) noexcept { take(o); }
  EventFn& operator=(EventFn&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  EventFn(const EventFn&) = delete;
  EventFn& operator=(const EventFn&) = delete;
  ~EventFn() { reset(); }

  explicit operator bool() const { return invoke_ != nullptr; }
  void operator()() { invoke_(buf_); }

  void reset() {
    if (manage_) manage_(Op::Destroy, buf_, nullptr);
    invoke_ = nullptr;
    manage_ = nullptr;
  }

 private:
  enum class Op { MoveTo, Destroy };
  using Invoke = void (*)(void*);
  using Manage = void (*)(Op, void*, void*);

  void take(EventFn& o) noexcept {
    if (o.manage_) {
      o.manage_(Op::MoveTo, o.buf_, buf_);  // moves, then destroys the source
    } else if (o.invoke_) {
      std::memcpy(buf_, o.buf_, kInline);
    }
    invoke_ = o.invoke_;
    manage_ = o.manage_;
    o.invoke_ = nullptr;
    o.manage_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char buf_[kInline];
  Invoke invoke_ = nullptr;
  Manage manage_ = nullptr;
};

}  // namespace cansim
