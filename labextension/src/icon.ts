import { LabIcon } from '@jupyterlab/ui-components';

/**
 * Sidebar icon: a stack of three layers (spaces, jobs, endpoints).
 *
 * `jp-icon3` lets the theme pick the colour.
 */
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2 2 7l10 5 10-5-10-5Zm0 2.24L17.53 7 12 9.76 6.47 7 12 4.24Z"/>
    <path d="m2 12 10 5 10-5-1.8-.9L12 15.2l-8.2-4.1L2 12Z"/>
    <path d="m2 17 10 5 10-5-1.8-.9L12 20.2l-8.2-4.1L2 17Z"/>
  </g>
</svg>`;

export const smstudioIcon = new LabIcon({
  name: 'jupyter-smstudio:icon',
  svgstr
});
