// Errors that end an operation. Every error has two messages: `message` for the client
// (Simplified Chinese, safe to show) and `internal` for the log only. `field` names the input
// field at fault when there is one. The HTTP layer maps `kind` to a status with httpStatus().
#pragma once
#include <exception>
#include <string>

namespace zg {

enum class ErrorKind {
  Invalid,          // 400: bad input; `field` says which
  Unauthorized,     // 401: not logged in
  Forbidden,        // 403: logged in, but outside the caller's scope or role
  NotFound,         // 404
  Conflict,         // 409: the state of the data forbids it
  PayloadTooLarge,  // 413
  TooManyRequests,  // 429: throttled
  Internal,         // 500: never shows `internal` to the client
};

class Error : public std::exception {
 public:
  Error(ErrorKind kind, std::string code, std::string message, std::string field = {},
        std::string internal = {})
      : kind_(kind), code_(std::move(code)), message_(std::move(message)),
        field_(std::move(field)), internal_(std::move(internal)) {}

  static Error invalid(std::string field, std::string message, std::string code = "invalid") {
    return Error(ErrorKind::Invalid, std::move(code), std::move(message), std::move(field));
  }
  static Error notFound(std::string message = "记录不存在") {
    return Error(ErrorKind::NotFound, "not_found", std::move(message));
  }
  static Error forbidden(std::string message = "无权访问该记录") {
    return Error(ErrorKind::Forbidden, "forbidden", std::move(message));
  }
  static Error conflict(std::string code, std::string message, std::string field = {}) {
    return Error(ErrorKind::Conflict, std::move(code), std::move(message), std::move(field));
  }
  static Error internal(std::string internal) {
    return Error(ErrorKind::Internal, "internal", "服务器内部错误，请稍后重试", {}, std::move(internal));
  }

  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }
  const std::string& internalMessage() const { return internal_; }
  const char* what() const noexcept override {
    return internal_.empty() ? message_.c_str() : internal_.c_str();
  }

 private:
  ErrorKind kind_;
  std::string code_;
  std::string message_;
  std::string field_;
  std::string internal_;
};

inline int httpStatus(ErrorKind k) {
  switch (k) {
    case ErrorKind::Invalid: return 400;
    case ErrorKind::Unauthorized: return 401;
    case ErrorKind::Forbidden: return 403;
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Conflict: return 409;
    case ErrorKind::PayloadTooLarge: return 413;
    case ErrorKind::TooManyRequests: return 429;
    case ErrorKind::Internal: return 500;
  }
  return 500;
}

}  // namespace zg
