export * from './types';
export * from './request';
export * from './client';
export * from './spaces';
export * from './wrangler';
export * from './jobs';
export * from './endpoints';
export * from './idle';
