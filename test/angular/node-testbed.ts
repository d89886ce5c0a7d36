/**
 * Angular's TestBed in Node without a DOM: the core platform, `ApplicationModule`, and the few
 * providers `BrowserModule` would have given (a root injector scope, an `ErrorHandler`, a
 * no-op component renderer, and a document stub for `TransferState`, which `resource()` reads:
 * it only looks up the server-state script, absent here). Nothing in these tests renders.
 */
import '@angular/compiler';
import { ApplicationModule, DOCUMENT, ErrorHandler, platformCore, ɵINJECTOR_SCOPE, type Provider } from '@angular/core';
import { TestBed, TestComponentRenderer } from '@angular/core/testing';

let initialized = false;

/** Initializes TestBed once per test file; returns the providers to add to each testing module. */
export function nodeTestBed(): Provider[] {
  if (!initialized) {
    TestBed.initTestEnvironment(ApplicationModule, platformCore());
    initialized = true;
  }
  return [
    { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
    { provide: ErrorHandler, useClass: ErrorHandler },
    { provide: TestComponentRenderer, useClass: TestComponentRenderer },
    { provide: DOCUMENT, useValue: { getElementById: () => null } },
  ];
}
